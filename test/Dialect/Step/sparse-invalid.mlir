// One case per diagnostic of the sparse (SAM) operators (StepSparseOps.td).

// RUN: step-opt %s -split-input-file -verify-diagnostics

func.func @scan_not_ref(%c: !step.stream<[1], crd>) {
  // expected-error@+1 {{'step.fiber_lookup' op expected 'ref' to carry ref, got '!step.crd'}}
  %x:2 = step.fiber_lookup %c tensor "A" mode 0 "dense" dim 4 : !step.stream<[1], crd>
  return
}

// -----

func.func @scan_compressed_dim(%r: !step.stream<[1], ref>) {
  // expected-error@+1 {{'step.fiber_lookup' op a compressed level takes no 'dim'}}
  %x:2 = step.fiber_lookup %r tensor "A" mode 0 "compressed" dim 4 name "J" : !step.stream<[1], ref>
  return
}

// -----

func.func @scan_compressed_name(%r: !step.stream<[1], ref>) {
  // expected-error@+1 {{'step.fiber_lookup' op a compressed level needs a 'name' for its ragged dim}}
  %x:2 = step.fiber_lookup %r tensor "A" mode 0 "compressed" : !step.stream<[1], ref>
  return
}

// -----

func.func @scan_bad_name(%r: !step.stream<[1], ref>) {
  // expected-error@+1 {{'step.fiber_lookup' op '1x' is not a valid symbol name}}
  %x:2 = step.fiber_lookup %r tensor "A" mode 0 "compressed" name "1x" : !step.stream<[1], ref>
  return
}

// -----

func.func @scan_dense_dim(%r: !step.stream<[1], ref>) {
  // expected-error@+1 {{'step.fiber_lookup' op a dense level needs its size 'dim'}}
  %x:2 = step.fiber_lookup %r tensor "A" mode 0 "dense" : !step.stream<[1], ref>
  return
}

// -----

func.func @scan_dense_name(%r: !step.stream<[1], ref>) {
  // expected-error@+1 {{'step.fiber_lookup' op a dense level takes no 'name'}}
  %x:2 = step.fiber_lookup %r tensor "A" mode 0 "dense" dim 4 name "J" : !step.stream<[1], ref>
  return
}

// -----

func.func @scan_format(%r: !step.stream<[1], ref>) {
  // expected-error@+1 {{'step.fiber_lookup' op expected the format "compressed" or "dense", got "singleton"}}
  %x:2 = step.fiber_lookup %r tensor "A" mode 0 "singleton" : !step.stream<[1], ref>
  return
}

// -----

func.func @repeat_shape(%r: !step.stream<[1], ref>, %s: !step.stream<[2, 4], crd>) {
  // expected-error@+1 {{'step.fiber_repeat' op expected the signal to have the input's dims [1] plus one inner dim, got [2, 4]}}
  %x = step.fiber_repeat %r, %s : !step.stream<[1], ref>, !step.stream<[2, 4], crd>
  return
}

// -----

func.func @join_one(%c: !step.stream<[1, 4], crd>, %r: !step.stream<[1, 4], ref>) {
  // expected-error@+1 {{'step.intersect' op expected at least two coordinate streams, got 1}}
  %x:3 = step.intersect crds(%c) refs(%r) name "K" : (!step.stream<[1, 4], crd>), (!step.stream<[1, 4], ref>)
  return
}

// -----

func.func @join_refs(%c: !step.stream<[1, 4], crd>, %r: !step.stream<[1, 4], ref>) {
  // expected-error@+1 {{'step.union' op expected one reference stream per coordinate stream (2), got 1}}
  %x:3 = step.union crds(%c, %c) refs(%r) name "K" : (!step.stream<[1, 4], crd>, !step.stream<[1, 4], crd>), (!step.stream<[1, 4], ref>)
  return
}

// -----

func.func @join_not_crd(%c: !step.stream<[1, 4], crd>, %r: !step.stream<[1, 4], ref>) {
  // expected-error@+1 {{'step.intersect' op expected 'crds #1' to carry crd, got '!step.ref'}}
  %x:3 = step.intersect crds(%c, %r) refs(%r, %r) name "K" : (!step.stream<[1, 4], crd>, !step.stream<[1, 4], ref>), (!step.stream<[1, 4], ref>, !step.stream<[1, 4], ref>)
  return
}

// -----

func.func @join_outer(%c: !step.stream<[1, 4], crd>, %d: !step.stream<[2, 4], crd>, %r: !step.stream<[1, 4], ref>, %q: !step.stream<[2, 4], ref>) {
  // expected-error@+1 {{'step.intersect' op expected crds #1 to have the outer dims [1] of crds #0, got [2, 4]}}
  %x:3 = step.intersect crds(%c, %d) refs(%r, %q) name "K" : (!step.stream<[1, 4], crd>, !step.stream<[2, 4], crd>), (!step.stream<[1, 4], ref>, !step.stream<[2, 4], ref>)
  return
}

// -----

func.func @join_ref_shape(%c: !step.stream<[1, 4], crd>, %r: !step.stream<[1, 4], ref>, %q: !step.stream<[1, 5], ref>) {
  // expected-error@+1 {{'step.intersect' op expected refs #1 to have the shape [1, 4] of crds #1, got [1, 5]}}
  %x:3 = step.intersect crds(%c, %c) refs(%r, %q) name "K" : (!step.stream<[1, 4], crd>, !step.stream<[1, 4], crd>), (!step.stream<[1, 4], ref>, !step.stream<[1, 5], ref>)
  return
}

// -----

func.func @join_name(%c: !step.stream<[1, 4], crd>, %r: !step.stream<[1, 4], ref>) {
  // expected-error@+1 {{'step.union' op '' is not a valid symbol name}}
  %x:3 = step.union crds(%c, %c) refs(%r, %r) name "" : (!step.stream<[1, 4], crd>, !step.stream<[1, 4], crd>), (!step.stream<[1, 4], ref>, !step.stream<[1, 4], ref>)
  return
}

// -----

func.func @array_not_ref(%c: !step.stream<[1, 4], crd>) {
  // expected-error@+1 {{'step.array_val' op expected 'ref' to carry ref, got '!step.crd'}}
  %x = step.array_val %c tensor "A" : !step.stream<[1, 4], crd>
  return
}

// -----

func.func @reduce_not_values(%c: !step.stream<[1, 4], crd>) {
  // expected-error@+1 {{'step.reduce' op expected 'input' to carry values (float tiles), got '!step.crd'}}
  %x = step.reduce %c kind "add" : !step.stream<[1, 4], crd>
  return
}

// -----

func.func @reduce_kind(%v: !step.stream<[1, 4], tile<1x1xf32>>) {
  // expected-error@+1 {{'step.reduce' op expected the kind "add" or "max", got "min"}}
  %x = step.reduce %v kind "min" : !step.stream<[1, 4], tile<1x1xf32>>
  return
}

// -----

func.func @reduce_rank(%v: !step.stream<[4], tile<1x1xf32>>) {
  // expected-error@+1 {{'step.reduce' op expected an input of rank >= 1, got [4]}}
  %x = step.reduce %v kind "add" : !step.stream<[4], tile<1x1xf32>>
  return
}

// -----

func.func @reduce_outer_dims(%v: !step.stream<[1, 4, ragged<K>], tile<1x1xf32>>, %c: !step.stream<[1, 5], crd>) {
  // expected-error@+1 {{'step.reduce' op expected 'outer' to have the dims [1, 4] of the result, got [1, 5]}}
  %x = step.reduce %v kind "add" outer %c : !step.stream<[1, 4, ragged<K>], tile<1x1xf32>>, !step.stream<[1, 5], crd>
  return
}

// -----

func.func @reduce_outer_not_crd(%v: !step.stream<[1, 4, ragged<K>], tile<1x1xf32>>, %r: !step.stream<[1, 4], ref>) {
  // expected-error@+1 {{'step.reduce' op expected 'outer' to carry crd, got '!step.ref'}}
  %x = step.reduce %v kind "add" outer %r : !step.stream<[1, 4, ragged<K>], tile<1x1xf32>>, !step.stream<[1, 4], ref>
  return
}

// -----

func.func @spacc_order(%c: !step.stream<[1, 2, 3, 4], crd>, %v: !step.stream<[1, 2, 3, 4], tile<1x1xf32>>) {
  // expected-error@+1 {{'step.spacc' op only order 1 is implemented, got 2}}
  %x:3 = step.spacc %c, %c, %v order 2 name "J" outer_name "I" : !step.stream<[1, 2, 3, 4], crd>, !step.stream<[1, 2, 3, 4], crd>, !step.stream<[1, 2, 3, 4], tile<1x1xf32>>
  return
}

// -----

func.func @spacc_rank(%c: !step.stream<[2, 3, 4], crd>, %v: !step.stream<[2, 3, 4], tile<1x1xf32>>) {
  // expected-error@+1 {{'step.spacc' op expected inputs [D.., I, K, J] (at least 4 dims), got [2, 3, 4]}}
  %x:3 = step.spacc %c, %c, %v order 1 name "J" outer_name "I" : !step.stream<[2, 3, 4], crd>, !step.stream<[2, 3, 4], crd>, !step.stream<[2, 3, 4], tile<1x1xf32>>
  return
}

// -----

func.func @spacc_shape(%c: !step.stream<[1, 2, 3, 4], crd>, %v: !step.stream<[1, 2, 3, 5], tile<1x1xf32>>) {
  // expected-error@+1 {{'step.spacc' op expected every input to have the shape [1, 2, 3, 4], got [1, 2, 3, 5]}}
  %x:3 = step.spacc %c, %c, %v order 1 name "J" outer_name "I" : !step.stream<[1, 2, 3, 4], crd>, !step.stream<[1, 2, 3, 4], crd>, !step.stream<[1, 2, 3, 5], tile<1x1xf32>>
  return
}

// -----

func.func @spacc_vals(%c: !step.stream<[1, 2, 3, 4], crd>) {
  // expected-error@+1 {{'step.spacc' op expected 'vals' to carry values (float tiles), got '!step.crd'}}
  %x:3 = step.spacc %c, %c, %c order 1 name "J" outer_name "I" : !step.stream<[1, 2, 3, 4], crd>, !step.stream<[1, 2, 3, 4], crd>, !step.stream<[1, 2, 3, 4], crd>
  return
}

// -----

func.func @drop_dims(%o: !step.stream<[1, 4], crd>, %i: !step.stream<[1, 5, ragged<J>], crd>) {
  // expected-error@+1 {{'step.crd_drop' op expected 'inner' to have the dims [1, 4] of 'outer' plus one, got [1, 5, ragged<J>]}}
  %x:2 = step.crd_drop %o, %i : !step.stream<[1, 4], crd>, !step.stream<[1, 5, ragged<J>], crd>
  return
}

// -----

func.func @write_not_crd(%r: !step.stream<[1, 4], ref>) {
  // expected-error@+1 {{'step.fiber_write' op expected coordinates, got '!step.ref'}}
  step.fiber_write %r tensor "C" mode 1 : !step.stream<[1, 4], ref>
  return
}

// -----

func.func @write_mode(%c: !step.stream<[1, 4], crd>) {
  // expected-error@+1 {{'step.fiber_write' op expected a stream of rank >= mode 2, got [1, 4]}}
  step.fiber_write %c tensor "C" mode 2 : !step.stream<[1, 4], crd>
  return
}

// -----

func.func @val_write_values(%c: !step.stream<[1, 4], crd>) {
  // expected-error@+1 {{'step.val_write' op expected values (float tiles), got '!step.crd'}}
  step.val_write %c tensor "C" : !step.stream<[1, 4], crd>
  return
}

// -----

func.func @locate_ref_shape(%c: !step.stream<[1, 4], crd>, %r: !step.stream<[1, 5], ref>, %p: !step.stream<[1], ref>) {
  // expected-error@+1 {{'step.locate' op expected 'ref' to have the shape [1, 4] of 'crd', got [1, 5]}}
  %x:3 = step.locate %c, %r, %p dim 4 : !step.stream<[1, 4], crd>, !step.stream<[1, 5], ref>, !step.stream<[1], ref>
  return
}

// -----

func.func @locate_parent(%c: !step.stream<[1, 4], crd>, %r: !step.stream<[1, 4], ref>, %p: !step.stream<[2], ref>) {
  // expected-error@+1 {{'step.locate' op expected 'parent' to have the outer dims [1] of 'crd', got [2]}}
  %x:3 = step.locate %c, %r, %p dim 4 : !step.stream<[1, 4], crd>, !step.stream<[1, 4], ref>, !step.stream<[2], ref>
  return
}

// -----

func.func @locate_parent_kind(%c: !step.stream<[1, 4], crd>, %r: !step.stream<[1, 4], ref>, %p: !step.stream<[1], crd>) {
  // expected-error@+1 {{'step.locate' op expected 'parent' to carry ref, got '!step.crd'}}
  %x:3 = step.locate %c, %r, %p dim 4 : !step.stream<[1, 4], crd>, !step.stream<[1, 4], ref>, !step.stream<[1], crd>
  return
}

// -----

func.func @array_block(%r: !step.stream<[1, 4], ref>) {
  // expected-error@+1 {{'step.array_val' op expected a positive block size, got 0}}
  %x = step.array_val %r tensor "A" block 0 : !step.stream<[1, 4], ref>
  return
}

// -----

func.func @array_block_and_tile(%r: !step.stream<[1, 4], ref>) {
  // expected-error@+1 {{'step.array_val' op expected 'block' or 'tile', not both}}
  %x = step.array_val %r tensor "A" block 16 tile [1, 16] : !step.stream<[1, 4], ref>
  return
}

// -----

func.func @array_tile(%r: !step.stream<[1, 4], ref>) {
  // expected-error@+1 {{'step.array_val' op expected 'tile' to be two positive sizes [R, C]}}
  %x = step.array_val %r tensor "A" tile [16] : !step.stream<[1, 4], ref>
  return
}

// -----

func.func @fork_rank(%r: !step.stream<[3], ref>) {
  // expected-error@+1 {{'step.fork' op expected an input of rank >= 1, got [3]}}
  %x:2 = step.fork %r count 2 name "R" : !step.stream<[3], ref>
  return
}

// -----

func.func @fork_count(%r: !step.stream<[1, 3], ref>) {
  // expected-error@+1 {{'step.fork' op expected a positive count, got 0}}
  %x = step.fork %r count 0 name "R" : !step.stream<[1, 3], ref>
  return
}

// -----

func.func @fork_name(%r: !step.stream<[1, 3], ref>) {
  // expected-error@+1 {{'step.fork' op '1_0' is not a valid symbol name}}
  %x:2 = step.fork %r count 2 name "1" : !step.stream<[1, 3], ref>
  return
}

// -----

func.func @join_depth(%a: !step.stream<[1, 3], crd>) {
  // expected-error@+1 {{'step.join' op expected a depth in [0, 1) (the lanes have rank 1), got 1}}
  %x = step.join %a, %a depth 1 name "Y" : !step.stream<[1, 3], crd>, !step.stream<[1, 3], crd>
  return
}

// -----

func.func @join_lanes(%a: !step.stream<[1, 3, 4], crd>, %b: !step.stream<[1, 2, 5], crd>) {
  // expected-error@+1 {{'step.join' op expected lane #1 to match lane #0 '!step.stream<[1, 3, 4], crd>' except for dim 1, got '!step.stream<[1, 2, 5], crd>'}}
  %x = step.join %a, %b depth 1 name "Y" : !step.stream<[1, 3, 4], crd>, !step.stream<[1, 2, 5], crd>
  return
}

// -----

func.func @join_name(%a: !step.stream<[1, 3], crd>) {
  // expected-error@+1 {{'step.join' op '' is not a valid symbol name}}
  %x = step.join %a depth 0 name "" : !step.stream<[1, 3], crd>
  return
}
