// RUN: step-opt %s --split-input-file --step-sam-parallelize="level=1 factor=2" | FileCheck %s
// RUN: step-opt %s --split-input-file --step-sam-parallelize="level=2 factor=2" | FileCheck %s --check-prefix=L2
// RUN: step-opt %s --split-input-file --step-sam-parallelize="level=1,2 factor=2,2" | FileCheck %s --check-prefix=NEST
// factor=1 is the identity.
// RUN: step-opt %s --split-input-file --step-sam-parallelize="level=1 factor=1" | FileCheck %s --check-prefix=ONE
// ONE-NOT: step.fork
// ONE-NOT: step.join
// funcs= restricts the pass to the named functions.
// RUN: step-opt %s --step-sam-parallelize="level=1 factor=2 funcs=other" | FileCheck %s --check-prefix=FUNCS
// (Error cases: sam-parallelize-invalid.mlir.)

// SpMV y = A x as --step-lower-sparse writes it (A CSR with 4 rows, x
// located at A's column coordinates).
// Level 1 (rows): A's row scan is forked (coordinates and references, one
// fork each, same lane names); everything per row is cloned per lane, each
// lane with its own root for x; the row sums are joined (depth 0) in front
// of the writer. The dense row level has no name, so the join names it J1.
// CHECK-LABEL: func.func @spmv_sam()
// CHECK: %[[I:.*]], %[[RI:.*]] = step.fiber_lookup %{{.*}} tensor "A" mode 0 "dense" dim 4
// CHECK-NEXT: %[[FI:.*]]:2 = step.fork %[[I]] count 2 name "P1" : !step.stream<[1, 4], crd>
// CHECK-NEXT: %[[FR:.*]]:2 = step.fork %[[RI]] count 2 name "P1" : !step.stream<[1, 4], ref>
// CHECK-NEXT: %[[J0:.*]], %[[RJ0:.*]] = step.fiber_lookup %[[FR]]#0 tensor "A" mode 1 "compressed" name "L0" : !step.stream<[1, ragged<P1_0>], ref>
// CHECK-NEXT: %[[J1:.*]], %[[RJ1:.*]] = step.fiber_lookup %[[FR]]#1 tensor "A" mode 1 "compressed" name "L0" : !step.stream<[1, ragged<P1_1>], ref>
// CHECK-NEXT: %[[X0:.*]] = step.root
// CHECK-NEXT: %[[XR0:.*]] = step.fiber_repeat %[[X0]], %[[FI]]#0
// CHECK-NEXT: %[[X1:.*]] = step.root
// CHECK-NEXT: %[[XR1:.*]] = step.fiber_repeat %[[X1]], %[[FI]]#1
// CHECK: step.locate %[[J0]], %[[RJ0]], %[[XR0]] dim 4
// CHECK: step.locate %[[J1]], %[[RJ1]], %[[XR1]] dim 4
// CHECK: %[[Y0:.*]] = step.reduce %{{.*}} kind "add" : !step.stream<[1, ragged<P1_0>, ragged<L0>], tile<1x1xf32>>
// CHECK-NEXT: %[[Y1:.*]] = step.reduce %{{.*}} kind "add" : !step.stream<[1, ragged<P1_1>, ragged<L0>], tile<1x1xf32>>
// CHECK-NEXT: %[[Y:.*]] = step.join %[[Y0]], %[[Y1]] depth 0 name "J1"
// CHECK-NEXT: step.val_write %[[Y]] tensor "output" : !step.stream<[1, ragged<J1>], tile<1x1xf32>>
// Level 2 (A's columns): the column scan is forked; the reduction over the
// level reads the joined products (depth 0; the ragged level keeps its
// name, so the reduce keeps its type); x's repeat is outer: both lanes read
// it (--step-insert-broadcast adds the broadcast).
// L2-LABEL: func.func @spmv_sam()
// L2: %[[J:.*]], %[[RJ:.*]] = step.fiber_lookup %{{.*}} tensor "A" mode 1 "compressed" name "L0"
// L2-NEXT: %[[FJ:.*]]:2 = step.fork %[[J]] count 2 name "P2" : !step.stream<[1, 4, ragged<L0>], crd>
// L2-NEXT: %[[FR:.*]]:2 = step.fork %[[RJ]] count 2 name "P2"
// L2: %[[XR:.*]] = step.fiber_repeat
// L2: step.locate %[[FJ]]#0, %[[FR]]#0, %[[XR]] dim 4
// L2: step.locate %[[FJ]]#1, %[[FR]]#1, %[[XR]] dim 4
// L2: %[[P:.*]] = step.join %{{.*}}, %{{.*}} depth 0 name "L0" : !step.stream<[1, 4, ragged<P2_0>], tile<1x1xf32>>, !step.stream<[1, 4, ragged<P2_1>], tile<1x1xf32>>
// L2-NEXT: %[[Y:.*]] = step.reduce %[[P]] kind "add" : !step.stream<[1, 4, ragged<L0>], tile<1x1xf32>>
// L2-NEXT: step.val_write %[[Y]] tensor "output" : !step.stream<[1, 4], tile<1x1xf32>>
// FUNCS-LABEL: func.func @spmv_sam()
// FUNCS-NOT: step.fork
func.func @spmv_sam() {
  %0 = step.root
  %i, %ri = step.fiber_lookup %0 tensor "A" mode 0 "dense" dim 4 : !step.stream<[1], ref>
  %j, %rj = step.fiber_lookup %ri tensor "A" mode 1 "compressed" name "L0" : !step.stream<[1, 4], ref>
  %1 = step.root
  %2 = step.fiber_repeat %1, %i : !step.stream<[1], ref>, !step.stream<[1, 4], crd>
  %c, %ra, %rx = step.locate %j, %rj, %2 dim 4 : !step.stream<[1, 4, ragged<L0>], crd>, !step.stream<[1, 4, ragged<L0>], ref>, !step.stream<[1, 4], ref>
  step.sink %c : !step.stream<[1, 4, ragged<L0>], crd>
  step.sink %ra : !step.stream<[1, 4, ragged<L0>], ref>
  %vx = step.array_val %rx tensor "x" : !step.stream<[1, 4, ragged<L0>], ref>
  %va = step.array_val %rj tensor "A" : !step.stream<[1, 4, ragged<L0>], ref>
  %p = step.map %vx, %va : !step.stream<[1, 4, ragged<L0>], tile<1x1xf32>>, !step.stream<[1, 4, ragged<L0>], tile<1x1xf32>> {
  ^bb0(%a: !step.tile<1x1xf32>, %b: !step.tile<1x1xf32>):
    %m = step.mul %a, %b : !step.tile<1x1xf32>, !step.tile<1x1xf32>
    step.yield %m : !step.tile<1x1xf32>
  }
  %y = step.reduce %p kind "add" : !step.stream<[1, 4, ragged<L0>], tile<1x1xf32>>
  step.val_write %y tensor "output" : !step.stream<[1, 4], tile<1x1xf32>>
  return
}

// FUNCS-LABEL: func.func @other()
// FUNCS: step.fork
// FUNCS: step.join
func.func @other() {
  %0 = step.root
  %i, %ri = step.fiber_lookup %0 tensor "A" mode 0 "dense" dim 4 : !step.stream<[1], ref>
  step.sink %i : !step.stream<[1, 4], crd>
  %j, %rj = step.fiber_lookup %ri tensor "A" mode 1 "compressed" name "L0" : !step.stream<[1, 4], ref>
  step.sink %j : !step.stream<[1, 4, ragged<L0>], crd>
  %v = step.array_val %rj tensor "A" : !step.stream<[1, 4, ragged<L0>], ref>
  step.val_write %v tensor "output" : !step.stream<[1, 4, ragged<L0>], tile<1x1xf32>>
  return
}

// -----

// C = relu(A) with A's rows unioned with a dense scan (as the lowering makes
// a level dense) and two levels below. Level 1: the fork follows the final
// union U (the union's inputs are not forked); a union result read only by
// a sink is not forked; the values are joined at depth 1 under U's name, so
// the writer keeps its type.
// CHECK-LABEL: func.func @relu_sam()
// CHECK: %[[U:.*]], %[[UR:.*]]:2 = step.union crds(%{{.*}}, %{{.*}}) refs(%{{.*}}, %{{.*}}) name "U"
// CHECK-NEXT: %[[F:.*]]:2 = step.fork %[[UR]]#1 count 2 name "P1" : !step.stream<[1, ragged<U>], ref>
// CHECK-NOT: step.fork
// CHECK: step.fiber_lookup %[[F]]#0 tensor "A" mode 1 "compressed" name "L1" : !step.stream<[1, ragged<P1_0>], ref>
// CHECK: step.fiber_lookup %[[F]]#1 tensor "A" mode 1 "compressed" name "L1" : !step.stream<[1, ragged<P1_1>], ref>
// CHECK: %[[V:.*]] = step.join %{{.*}}, %{{.*}} depth 1 name "U" : !step.stream<[1, ragged<P1_0>, ragged<L1>], tile<1x1xf32>>, !step.stream<[1, ragged<P1_1>, ragged<L1>], tile<1x1xf32>>
// CHECK-NEXT: step.val_write %[[V]] tensor "output" : !step.stream<[1, ragged<U>, ragged<L1>], tile<1x1xf32>>
// CHECK: step.sink %[[U]]
// CHECK: step.sink %[[UR]]#0
// Nested, level=1,2 factor=2,2: rows over two lanes, then each lane's
// columns over two more (a fork group per outer lane, each with its own
// names); the inner joins (depth 0) feed the outer join (depth 1).
// FUNCS-LABEL: func.func @relu_sam()
// FUNCS-NOT: step.fork
// NEST-LABEL: func.func @relu_sam()
// NEST: step.fork %{{.*}} count 2 name "P1"
// NEST: %[[A:.*]], %[[RA:.*]] = step.fiber_lookup %{{.*}} tensor "A" mode 1 "compressed" name "L1" : !step.stream<[1, ragged<P1_0>], ref>
// NEST-NEXT: step.fork %[[RA]] count 2 name "P2" : !step.stream<[1, ragged<P1_0>, ragged<L1>], ref>
// NEST: %[[B:.*]], %[[RB:.*]] = step.fiber_lookup %{{.*}} tensor "A" mode 1 "compressed" name "L1" : !step.stream<[1, ragged<P1_1>], ref>
// NEST-NEXT: step.fork %[[RB]] count 2 name "P2_2" : !step.stream<[1, ragged<P1_1>, ragged<L1>], ref>
// NEST: %[[J0:.*]] = step.join %{{.*}}, %{{.*}} depth 0 name "L1" : !step.stream<[1, ragged<P1_0>, ragged<P2_0>], tile<1x1xf32>>
// NEST: %[[J1:.*]] = step.join %{{.*}}, %{{.*}} depth 0 name "L1" : !step.stream<[1, ragged<P1_1>, ragged<P2_2_0>], tile<1x1xf32>>
// NEST: %[[V:.*]] = step.join %[[J0]], %[[J1]] depth 1 name "U"
// NEST-NEXT: step.val_write %[[V]] tensor "output"
func.func @relu_sam() {
  %0 = step.root
  %d, %rd = step.fiber_lookup %0 tensor "_gen" mode 0 "dense" dim 4 : !step.stream<[1], ref>
  %1 = step.root
  %i, %ri = step.fiber_lookup %1 tensor "A" mode 0 "compressed" name "L0" : !step.stream<[1], ref>
  %u, %ur:2 = step.union crds(%d, %i) refs(%rd, %ri) name "U"
      : (!step.stream<[1, 4], crd>, !step.stream<[1, ragged<L0>], crd>),
        (!step.stream<[1, 4], ref>, !step.stream<[1, ragged<L0>], ref>)
  %j, %rj = step.fiber_lookup %ur#1 tensor "A" mode 1 "compressed" name "L1" : !step.stream<[1, ragged<U>], ref>
  step.sink %j : !step.stream<[1, ragged<U>, ragged<L1>], crd>
  %v = step.array_val %rj tensor "A" : !step.stream<[1, ragged<U>, ragged<L1>], ref>
  %r = step.map %v : !step.stream<[1, ragged<U>, ragged<L1>], tile<1x1xf32>> {
  ^bb0(%a: !step.tile<1x1xf32>):
    %z = step.const 0.0 : !step.tile<1x1xf32>
    %m = step.max %a, %z : !step.tile<1x1xf32>, !step.tile<1x1xf32>
    step.yield %m : !step.tile<1x1xf32>
  }
  step.val_write %r tensor "output" : !step.stream<[1, ragged<U>, ragged<L1>], tile<1x1xf32>>
  step.sink %u : !step.stream<[1, ragged<U>], crd>
  step.sink %ur#0 : !step.stream<[1, ragged<U>], ref>
  return
}
