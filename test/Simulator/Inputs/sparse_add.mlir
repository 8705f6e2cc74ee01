// C = A + B for CSR A and B (level 0 dense, level 1 compressed), written
// as CSR C: both levels are co-iterated with union (the sum keeps every
// coordinate either holds), the values added by an ALU (map, add; the N a
// union gives the missing side reads as 0), and
// C's levels and values are written by fiber_write / val_write. Tensors A
// and B are bound at run time (runtime/README.md, "Sparse tensors").
func.func @elementwise() {
  %ra = step.root
  %ia, %ria = step.fiber_lookup %ra tensor "A" mode 0 "dense" dim 3 : !step.stream<[1], ref>
  %rb = step.root
  %ib, %rib = step.fiber_lookup %rb tensor "B" mode 0 "dense" dim 3 : !step.stream<[1], ref>
  %i, %ai, %bi = step.union crds(%ia, %ib) refs(%ria, %rib) name "I"
      : (!step.stream<[1, 3], crd>, !step.stream<[1, 3], crd>),
        (!step.stream<[1, 3], ref>, !step.stream<[1, 3], ref>)
  %ja, %rja = step.fiber_lookup %ai tensor "A" mode 1 "compressed" name "JA" : !step.stream<[1, ragged<I>], ref>
  %jb, %rjb = step.fiber_lookup %bi tensor "B" mode 1 "compressed" name "JB" : !step.stream<[1, ragged<I>], ref>
  %j, %aj, %bj = step.union crds(%ja, %jb) refs(%rja, %rjb) name "J"
      : (!step.stream<[1, ragged<I>, ragged<JA>], crd>, !step.stream<[1, ragged<I>, ragged<JB>], crd>),
        (!step.stream<[1, ragged<I>, ragged<JA>], ref>, !step.stream<[1, ragged<I>, ragged<JB>], ref>)
  %va = step.array_val %aj tensor "A" : !step.stream<[1, ragged<I>, ragged<J>], ref>
  %vb = step.array_val %bj tensor "B" : !step.stream<[1, ragged<I>, ragged<J>], ref>
  %c = step.map %va, %vb : !step.stream<[1, ragged<I>, ragged<J>], tile<1x1xf32>>, !step.stream<[1, ragged<I>, ragged<J>], tile<1x1xf32>> {
  ^bb0(%a: !step.tile<1x1xf32>, %b: !step.tile<1x1xf32>):
    %m = step.add %a, %b : !step.tile<1x1xf32>, !step.tile<1x1xf32>
    step.yield %m : !step.tile<1x1xf32>
  }
  step.fiber_write %i tensor "C" mode 0 : !step.stream<[1, ragged<I>], crd>
  step.fiber_write %j tensor "C" mode 1 : !step.stream<[1, ragged<I>, ragged<J>], crd>
  step.val_write %c tensor "C" : !step.stream<[1, ragged<I>, ragged<J>], tile<1x1xf32>>
  return
}
