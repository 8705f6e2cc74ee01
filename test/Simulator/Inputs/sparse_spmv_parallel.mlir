// SpMV y = A x over two parallel lanes (FuseFlow's fork/join,
// reference/fuseflow.md §3.6): the rows' references of A and x are forked
// round-robin, each lane scans its rows, locates x and reduces, and the
// lanes' row results are joined back in row order. A CSR, x dense. Both
// forks split same-shaped streams the same way, so they share the lane
// dims' names (R_0, R_1).
func.func @spmv_parallel() {
  %r = step.root
  %i, %ri = step.fiber_lookup %r tensor "A" mode 0 "dense" dim 3 : !step.stream<[1], ref>
  %xr = step.root
  %xri = step.fiber_repeat %xr, %i : !step.stream<[1], ref>, !step.stream<[1, 3], crd>
  %la:2 = step.fork %ri count 2 name "R" : !step.stream<[1, 3], ref>
  %lx:2 = step.fork %xri count 2 name "R" : !step.stream<[1, 3], ref>

  // Lane 0.
  %j0, %rj0 = step.fiber_lookup %la#0 tensor "A" mode 1 "compressed" name "J0" : !step.stream<[1, ragged<R_0>], ref>
  %k0, %ra0, %rx0 = step.locate %j0, %rj0, %lx#0 dim 4
      : !step.stream<[1, ragged<R_0>, ragged<J0>], crd>, !step.stream<[1, ragged<R_0>, ragged<J0>], ref>, !step.stream<[1, ragged<R_0>], ref>
  step.sink %k0 : !step.stream<[1, ragged<R_0>, ragged<J0>], crd>
  %va0 = step.array_val %ra0 tensor "A" : !step.stream<[1, ragged<R_0>, ragged<J0>], ref>
  %vx0 = step.array_val %rx0 tensor "x" : !step.stream<[1, ragged<R_0>, ragged<J0>], ref>
  %p0 = step.map %va0, %vx0 : !step.stream<[1, ragged<R_0>, ragged<J0>], tile<1x1xf32>>, !step.stream<[1, ragged<R_0>, ragged<J0>], tile<1x1xf32>> {
  ^bb0(%a: !step.tile<1x1xf32>, %b: !step.tile<1x1xf32>):
    %m = step.mul %a, %b : !step.tile<1x1xf32>, !step.tile<1x1xf32>
    step.yield %m : !step.tile<1x1xf32>
  }
  %y0 = step.reduce %p0 kind "add" : !step.stream<[1, ragged<R_0>, ragged<J0>], tile<1x1xf32>>

  // Lane 1.
  %j1, %rj1 = step.fiber_lookup %la#1 tensor "A" mode 1 "compressed" name "J1" : !step.stream<[1, ragged<R_1>], ref>
  %k1, %ra1, %rx1 = step.locate %j1, %rj1, %lx#1 dim 4
      : !step.stream<[1, ragged<R_1>, ragged<J1>], crd>, !step.stream<[1, ragged<R_1>, ragged<J1>], ref>, !step.stream<[1, ragged<R_1>], ref>
  step.sink %k1 : !step.stream<[1, ragged<R_1>, ragged<J1>], crd>
  %va1 = step.array_val %ra1 tensor "A" : !step.stream<[1, ragged<R_1>, ragged<J1>], ref>
  %vx1 = step.array_val %rx1 tensor "x" : !step.stream<[1, ragged<R_1>, ragged<J1>], ref>
  %p1 = step.map %va1, %vx1 : !step.stream<[1, ragged<R_1>, ragged<J1>], tile<1x1xf32>>, !step.stream<[1, ragged<R_1>, ragged<J1>], tile<1x1xf32>> {
  ^bb0(%a: !step.tile<1x1xf32>, %b: !step.tile<1x1xf32>):
    %m = step.mul %a, %b : !step.tile<1x1xf32>, !step.tile<1x1xf32>
    step.yield %m : !step.tile<1x1xf32>
  }
  %y1 = step.reduce %p1 kind "add" : !step.stream<[1, ragged<R_1>, ragged<J1>], tile<1x1xf32>>

  %y = step.join %y0, %y1 depth 0 name "Y" : !step.stream<[1, ragged<R_0>], tile<1x1xf32>>, !step.stream<[1, ragged<R_1>], tile<1x1xf32>>
  step.val_write %y tensor "y" : !step.stream<[1, ragged<Y>], tile<1x1xf32>>
  return
}
