// Round trip of the sparse (SAM) operators and types (StepSparseOps.td),
// checking the result types their shape rules infer: each function returns
// its ops' results with the types in its signature, so the verifier
// compares them with inference. The second RUN goes through the generic
// form.

// RUN: step-opt %s | step-opt | FileCheck %s
// RUN: step-opt %s --mlir-print-op-generic | step-opt | FileCheck %s

// CHECK-LABEL: func.func @types(
// CHECK-SAME: !step.stream<[1, ragged<J>], crd>, %{{.*}}: !step.stream<[1], ref>, %{{.*}}: !step.crd, %{{.*}}: !step.ref)
func.func @types(%a: !step.stream<[1, ragged<J>], crd>, %b: !step.stream<[1], ref>,
                 %c: !step.crd, %d: !step.ref) {
  return
}

// A dense level appends its size, a compressed one a ragged dim.
// CHECK-LABEL: func.func @scan(
// CHECK: %[[R:.*]] = step.root{{$}}
// CHECK: %[[I:.*]], %[[RI:.*]] = step.fiber_lookup %[[R]] tensor "A" mode 0 "dense" dim 4 : !step.stream<[1], ref>
// CHECK: step.fiber_lookup %[[RI]] tensor "A" mode 1 "compressed" name "J" : !step.stream<[1, 4], ref>
func.func @scan() -> (!step.stream<[1], ref>, !step.stream<[1, 4], crd>,
                      !step.stream<[1, 4, ragged<J>], crd>, !step.stream<[1, 4, ragged<J>], ref>) {
  %r = step.root
  %i, %ri = step.fiber_lookup %r tensor "A" mode 0 "dense" dim 4 : !step.stream<[1], ref>
  %j, %rj = step.fiber_lookup %ri tensor "A" mode 1 "compressed" name "J" : !step.stream<[1, 4], ref>
  return %r, %i, %j, %rj : !step.stream<[1], ref>, !step.stream<[1, 4], crd>,
                           !step.stream<[1, 4, ragged<J>], crd>, !step.stream<[1, 4, ragged<J>], ref>
}

// The signal's shape with the input's elements.
// CHECK-LABEL: func.func @repeat(
// CHECK: %[[S:.*]] = step.repeat_sig %{{.*}} : !step.stream<[1, 4], crd>
// CHECK: step.fiber_repeat %{{.*}}, %[[S]] : !step.stream<[1], ref>, !step.stream<[1, 4], i1>
func.func @repeat(%root: !step.stream<[1], ref>, %i: !step.stream<[1, 4], crd>)
    -> (!step.stream<[1, 4], i1>, !step.stream<[1, 4], ref>) {
  %s = step.repeat_sig %i : !step.stream<[1, 4], crd>
  %x = step.fiber_repeat %root, %s : !step.stream<[1], ref>, !step.stream<[1, 4], i1>
  return %s, %x : !step.stream<[1, 4], i1>, !step.stream<[1, 4], ref>
}

// Joiners: the outer dims with a new ragged dim; each reference result
// keeps its element type (values may ride as references).
// CHECK-LABEL: func.func @joiners(
// CHECK: step.intersect crds(%{{.*}}, %{{.*}}) refs(%{{.*}}, %{{.*}}) name "K" : (!step.stream<[1, ragged<A>], crd>, !step.stream<[1, 8], crd>), (!step.stream<[1, ragged<A>], ref>, !step.stream<[1, 8], tile<1x1xf32>>)
// CHECK: step.union crds(%{{.*}}, %{{.*}}, %{{.*}}) refs(%{{.*}}, %{{.*}}, %{{.*}}) name "U"
func.func @joiners(%ca: !step.stream<[1, ragged<A>], crd>, %ra: !step.stream<[1, ragged<A>], ref>,
                   %cb: !step.stream<[1, 8], crd>, %vb: !step.stream<[1, 8], tile<1x1xf32>>,
                   %cc: !step.stream<[1, ragged<C>], crd>, %rc: !step.stream<[1, ragged<C>], ref>)
    -> (!step.stream<[1, ragged<K>], crd>, !step.stream<[1, ragged<K>], ref>,
        !step.stream<[1, ragged<K>], tile<1x1xf32>>, !step.stream<[1, ragged<U>], crd>,
        !step.stream<[1, ragged<U>], ref>, !step.stream<[1, ragged<U>], ref>,
        !step.stream<[1, ragged<U>], ref>) {
  %k, %ka, %kb = step.intersect crds(%ca, %cb) refs(%ra, %vb) name "K"
      : (!step.stream<[1, ragged<A>], crd>, !step.stream<[1, 8], crd>),
        (!step.stream<[1, ragged<A>], ref>, !step.stream<[1, 8], tile<1x1xf32>>)
  %u, %u0, %u1, %u2 = step.union crds(%ca, %cc, %ca) refs(%ra, %rc, %ra) name "U"
      : (!step.stream<[1, ragged<A>], crd>, !step.stream<[1, ragged<C>], crd>, !step.stream<[1, ragged<A>], crd>),
        (!step.stream<[1, ragged<A>], ref>, !step.stream<[1, ragged<C>], ref>, !step.stream<[1, ragged<A>], ref>)
  return %k, %ka, %kb, %u, %u0, %u1, %u2
      : !step.stream<[1, ragged<K>], crd>, !step.stream<[1, ragged<K>], ref>,
        !step.stream<[1, ragged<K>], tile<1x1xf32>>, !step.stream<[1, ragged<U>], crd>,
        !step.stream<[1, ragged<U>], ref>, !step.stream<[1, ragged<U>], ref>,
        !step.stream<[1, ragged<U>], ref>
}

// Locate: the coordinates' shape for all three results.
// CHECK-LABEL: func.func @locate(
// CHECK: step.locate %{{.*}}, %{{.*}}, %{{.*}} dim 4 : !step.stream<[1, 3, ragged<J>], crd>, !step.stream<[1, 3, ragged<J>], ref>, !step.stream<[1, 3], ref>
func.func @locate(%c: !step.stream<[1, 3, ragged<J>], crd>, %r: !step.stream<[1, 3, ragged<J>], ref>,
                  %p: !step.stream<[1, 3], ref>)
    -> (!step.stream<[1, 3, ragged<J>], crd>, !step.stream<[1, 3, ragged<J>], ref>,
        !step.stream<[1, 3, ragged<J>], ref>) {
  %a, %b, %d = step.locate %c, %r, %p dim 4
      : !step.stream<[1, 3, ragged<J>], crd>, !step.stream<[1, 3, ragged<J>], ref>, !step.stream<[1, 3], ref>
  return %a, %b, %d : !step.stream<[1, 3, ragged<J>], crd>, !step.stream<[1, 3, ragged<J>], ref>,
                      !step.stream<[1, 3, ragged<J>], ref>
}

// Blocked values: B x B tiles.
// CHECK-LABEL: func.func @blocked(
// CHECK: step.array_val %{{.*}} tensor "A" block 16 : !step.stream<[1, 4, ragged<J>], ref>
func.func @blocked(%r: !step.stream<[1, 4, ragged<J>], ref>)
    -> !step.stream<[1, 4, ragged<J>], tile<16x16xf32>> {
  %v = step.array_val %r tensor "A" block 16 : !step.stream<[1, 4, ragged<J>], ref>
  return %v : !step.stream<[1, 4, ragged<J>], tile<16x16xf32>>
}

// Blocked vectors: [1, B] / [B, 1] tiles (a bias, a row statistic).
// CHECK-LABEL: func.func @blocked_vector(
// CHECK: step.array_val %{{.*}} tensor "b" tile [1, 16] : !step.stream<[1, 4], ref>
// CHECK: step.array_val %{{.*}} tensor "m" tile [16, 1] : !step.stream<[1, 4], ref>
func.func @blocked_vector(%r: !step.stream<[1, 4], ref>)
    -> (!step.stream<[1, 4], tile<1x16xf32>>, !step.stream<[1, 4], tile<16x1xf32>>) {
  %b = step.array_val %r tensor "b" tile [1, 16] : !step.stream<[1, 4], ref>
  %m = step.array_val %r tensor "m" tile [16, 1] : !step.stream<[1, 4], ref>
  return %b, %m : !step.stream<[1, 4], tile<1x16xf32>>, !step.stream<[1, 4], tile<16x1xf32>>
}

// Loads keep the shape; reduce drops the innermost dim.
// CHECK-LABEL: func.func @compute(
// CHECK: %[[V:.*]] = step.array_val %{{.*}} tensor "A" : !step.stream<[1, 4, ragged<J>], ref>
// CHECK: step.reduce %[[V]] kind "add" : !step.stream<[1, 4, ragged<J>], tile<1x1xf32>>
// CHECK: step.reduce %[[V]] kind "max"
func.func @compute(%r: !step.stream<[1, 4, ragged<J>], ref>)
    -> (!step.stream<[1, 4, ragged<J>], tile<1x1xf32>>, !step.stream<[1, 4], tile<1x1xf32>>,
        !step.stream<[1, 4], tile<1x1xf32>>) {
  %v = step.array_val %r tensor "A" : !step.stream<[1, 4, ragged<J>], ref>
  %s = step.reduce %v kind "add" : !step.stream<[1, 4, ragged<J>], tile<1x1xf32>>
  %m = step.reduce %v kind "max" : !step.stream<[1, 4, ragged<J>], tile<1x1xf32>>
  return %v, %s, %m : !step.stream<[1, 4, ragged<J>], tile<1x1xf32>>, !step.stream<[1, 4], tile<1x1xf32>>,
                      !step.stream<[1, 4], tile<1x1xf32>>
}

// A reduce guided by the coordinates of its result level (`outer`).
// CHECK-LABEL: func.func @reduce_outer(
// CHECK: step.reduce %{{.*}} kind "add" outer %{{.*}} : !step.stream<[1, ragged<I>, ragged<K>], tile<1x1xf32>>, !step.stream<[1, ragged<I>], crd>
func.func @reduce_outer(%v: !step.stream<[1, ragged<I>, ragged<K>], tile<1x1xf32>>,
                        %ci: !step.stream<[1, ragged<I>], crd>)
    -> !step.stream<[1, ragged<I>], tile<1x1xf32>> {
  %s = step.reduce %v kind "add" outer %ci
      : !step.stream<[1, ragged<I>, ragged<K>], tile<1x1xf32>>, !step.stream<[1, ragged<I>], crd>
  return %s : !step.stream<[1, ragged<I>], tile<1x1xf32>>
}

// spacc drops K (and names the new inner and outer dims); crd_drop keeps
// the types.
// CHECK-LABEL: func.func @construct(
// CHECK: step.spacc %{{.*}}, %{{.*}}, %{{.*}} order 1 name "J2" outer_name "I2"
// CHECK: step.crd_drop %{{.*}}, %{{.*}} : !step.stream<[1, ragged<I2>], crd>, !step.stream<[1, ragged<I2>, ragged<J2>], crd>
// CHECK: step.fiber_write %{{.*}} tensor "C" mode 0 : !step.stream<[1, ragged<I2>], crd>
// CHECK: step.val_write %{{.*}} tensor "C" : !step.stream<[1, ragged<I2>, ragged<J2>], tile<1x1xf32>>
func.func @construct(%j: !step.stream<[1, ragged<I>, ragged<K>, ragged<J>], crd>,
                     %i: !step.stream<[1, ragged<I>, ragged<K>, ragged<J>], crd>,
                     %v: !step.stream<[1, ragged<I>, ragged<K>, ragged<J>], tile<1x1xf32>>)
    -> (!step.stream<[1, ragged<I2>, ragged<J2>], crd>) {
  %cj, %ci, %cv = step.spacc %j, %i, %v order 1 name "J2" outer_name "I2"
      : !step.stream<[1, ragged<I>, ragged<K>, ragged<J>], crd>,
        !step.stream<[1, ragged<I>, ragged<K>, ragged<J>], crd>,
        !step.stream<[1, ragged<I>, ragged<K>, ragged<J>], tile<1x1xf32>>
  %o, %n = step.crd_drop %ci, %cj : !step.stream<[1, ragged<I2>], crd>, !step.stream<[1, ragged<I2>, ragged<J2>], crd>
  step.fiber_write %o tensor "C" mode 0 : !step.stream<[1, ragged<I2>], crd>
  step.val_write %cv tensor "C" : !step.stream<[1, ragged<I2>, ragged<J2>], tile<1x1xf32>>
  return %n : !step.stream<[1, ragged<I2>, ragged<J2>], crd>
}

// Fork: lanes [D.., ragged<name_k>]; join: the lanes' dim at `depth` from
// the inside becomes ragged<name>.
// CHECK-LABEL: func.func @fork_join(
// CHECK: %[[L:.*]]:2 = step.fork %{{.*}} count 2 name "R" : !step.stream<[1, 3], ref>
// CHECK: step.join %{{.*}}, %{{.*}} depth 1 name "Y" : !step.stream<[1, ragged<R_0>, ragged<J>], crd>, !step.stream<[1, ragged<R_1>, ragged<J>], crd>
func.func @fork_join(%r: !step.stream<[1, 3], ref>, %a: !step.stream<[1, ragged<R_0>, ragged<J>], crd>,
                     %b: !step.stream<[1, ragged<R_1>, ragged<J>], crd>)
    -> (!step.stream<[1, ragged<R_0>], ref>, !step.stream<[1, ragged<R_1>], ref>,
        !step.stream<[1, ragged<Y>, ragged<J>], crd>) {
  %l:2 = step.fork %r count 2 name "R" : !step.stream<[1, 3], ref>
  %y = step.join %a, %b depth 1 name "Y" : !step.stream<[1, ragged<R_0>, ragged<J>], crd>, !step.stream<[1, ragged<R_1>, ragged<J>], crd>
  return %l#0, %l#1, %y : !step.stream<[1, ragged<R_0>], ref>, !step.stream<[1, ragged<R_1>], ref>,
                          !step.stream<[1, ragged<Y>, ragged<J>], crd>
}
