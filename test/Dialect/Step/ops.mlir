// Round trip of every step operator, checking the result types the shape
// rules infer (reference/step.md section 3.1). Each function returns the
// results of its ops with their types in its signature, so the verifier
// compares them with the inferred types (func.return requires equal types)
// and the CHECK lines show them. The second RUN goes through the generic
// form, whose explicit result types the verifier checks against inference.

// RUN: step-opt %s | step-opt | FileCheck %s
// RUN: step-opt %s --mlir-print-op-generic | step-opt | FileCheck %s

//===----------------------------------------------------------------------===//
// Off-chip memory operators
//===----------------------------------------------------------------------===//

// Without ref the view is read once: [1] ++ view. With ref it is read once
// per element of ref: ref.shape ++ view (v1 Fig 2: W1 as 4096x64 tiles, ref
// [C0] -> [C0, 1, 224]). A zero stride re-reads the same tile.
// CHECK-LABEL: func.func @linear_load(
// CHECK-SAME: %[[REF:[^:]*]]: !step.stream<[C0], tile<16x4096xf32>>)
// CHECK: %[[A:.*]] = step.linear_load "w1" [4096, 14336] as !step.tile<4096x64xbf16> view [1, 224]{{$}}
// CHECK: %[[B:.*]] = step.linear_load "w1" [4096, 14336] as !step.tile<4096x64xbf16> view [1, 224] ref %[[REF]] : !step.stream<[C0], tile<16x4096xf32>>
// CHECK: %[[C:.*]] = step.linear_load "x" [64, 256] as !step.tile<64x64xbf16> view [4] stride [1]{{$}}
// CHECK: %[[D:.*]] = step.linear_load "x" [64, 256] as !step.tile<64x64xbf16> view [3] stride [0]{{$}}
// CHECK: %[[E:.*]] = step.linear_load "w" [8, 4096, 14336] as !step.tile<4096x64xbf16> view [2, 1, 224] stride [224, 224, 1]{{$}}
// CHECK: return %[[A]], %[[B]], %[[C]], %[[D]], %[[E]] :
// CHECK-SAME: !step.stream<[1, 1, 224], tile<4096x64xbf16>>,
// CHECK-SAME: !step.stream<[C0, 1, 224], tile<4096x64xbf16>>,
// CHECK-SAME: !step.stream<[1, 4], tile<64x64xbf16>>,
// CHECK-SAME: !step.stream<[1, 3], tile<64x64xbf16>>,
// CHECK-SAME: !step.stream<[1, 2, 1, 224], tile<4096x64xbf16>>{{$}}
func.func @linear_load(%ref: !step.stream<[C0], tile<16x4096xf32>>)
    -> (!step.stream<[1, 1, 224], tile<4096x64xbf16>>,
        !step.stream<[C0, 1, 224], tile<4096x64xbf16>>,
        !step.stream<[1, 4], tile<64x64xbf16>>,
        !step.stream<[1, 3], tile<64x64xbf16>>,
        !step.stream<[1, 2, 1, 224], tile<4096x64xbf16>>) {
  %a = step.linear_load "w1" [4096, 14336] as !step.tile<4096x64xbf16> view [1, 224]
  %b = step.linear_load "w1" [4096, 14336] as !step.tile<4096x64xbf16> view [1, 224]
         ref %ref : !step.stream<[C0], tile<16x4096xf32>>
  %c = step.linear_load "x" [64, 256] as !step.tile<64x64xbf16> view [4] stride [1]
  %d = step.linear_load "x" [64, 256] as !step.tile<64x64xbf16> view [3] stride [0]
  %e = step.linear_load "w" [8, 4096, 14336] as !step.tile<4096x64xbf16>
         view [2, 1, 224] stride [224, 224, 1]
  return %a, %b, %c, %d, %e : !step.stream<[1, 1, 224], tile<4096x64xbf16>>,
      !step.stream<[C0, 1, 224], tile<4096x64xbf16>>,
      !step.stream<[1, 4], tile<64x64xbf16>>,
      !step.stream<[1, 3], tile<64x64xbf16>>,
      !step.stream<[1, 2, 1, 224], tile<4096x64xbf16>>
}

// CHECK-LABEL: func.func @linear_store(
// CHECK-SAME: %[[X:[^:]*]]: !step.stream<[1, 64], tile<1x4096xf32>>,
// CHECK-SAME: %[[Y:[^:]*]]: !step.stream<[B0], tile<16x64xf32>>)
// CHECK: step.linear_store %[[X]] to "out" [64, 4096] : !step.stream<[1, 64], tile<1x4096xf32>>
// CHECK: step.linear_store %[[Y]] to "y" [4, 16, 64] : !step.stream<[B0], tile<16x64xf32>>
func.func @linear_store(%x: !step.stream<[1, 64], tile<1x4096xf32>>,
                        %y: !step.stream<[B0], tile<16x64xf32>>) {
  step.linear_store %x to "out" [64, 4096] : !step.stream<[1, 64], tile<1x4096xf32>>
  // A dynamic size is not checked against the tensor.
  step.linear_store %y to "y" [4, 16, 64] : !step.stream<[B0], tile<16x64xf32>>
  return
}

// The result has the shape of the address stream; random_store acknowledges
// every write with an i1.
// CHECK-LABEL: func.func @random_access(
// CHECK-SAME: %[[T:[^:]*]]: !step.stream<[N, 224], tile<1x1xi64>>,
// CHECK-SAME: %[[I:[^:]*]]: !step.stream<[B], i64>,
// CHECK-SAME: %[[D:[^:]*]]: !step.stream<[B], tile<1x64xbf16>>)
// CHECK: %[[W:.*]] = step.random_load "w1" [8, 4096, 14336] as !step.tile<4096x64xbf16> addr %[[T]] : !step.stream<[N, 224], tile<1x1xi64>>
// CHECK: %[[V:.*]] = step.random_load "kv" [64, 6464, 64] as !step.tile<1x64xbf16> addr %[[I]] : !step.stream<[B], i64>
// CHECK: %[[ACK:.*]] = step.random_store "kv" [64, 6464, 64] addr %[[I]] : !step.stream<[B], i64> data %[[D]] : !step.stream<[B], tile<1x64xbf16>>
// CHECK: return %[[W]], %[[V]], %[[ACK]] : !step.stream<[N, 224], tile<4096x64xbf16>>, !step.stream<[B], tile<1x64xbf16>>, !step.stream<[B], i1>
func.func @random_access(%t: !step.stream<[N, 224], tile<1x1xi64>>,
                         %i: !step.stream<[B], i64>,
                         %d: !step.stream<[B], tile<1x64xbf16>>)
    -> (!step.stream<[N, 224], tile<4096x64xbf16>>, !step.stream<[B], tile<1x64xbf16>>,
        !step.stream<[B], i1>) {
  %w = step.random_load "w1" [8, 4096, 14336] as !step.tile<4096x64xbf16>
         addr %t : !step.stream<[N, 224], tile<1x1xi64>>
  %v = step.random_load "kv" [64, 6464, 64] as !step.tile<1x64xbf16>
         addr %i : !step.stream<[B], i64>
  %ack = step.random_store "kv" [64, 6464, 64] addr %i : !step.stream<[B], i64>
           data %d : !step.stream<[B], tile<1x64xbf16>>
  return %w, %v, %ack : !step.stream<[N, 224], tile<4096x64xbf16>>,
      !step.stream<[B], tile<1x64xbf16>>, !step.stream<[B], i1>
}

//===----------------------------------------------------------------------===//
// On-chip memory operators
//===----------------------------------------------------------------------===//

// [D_a..D_b, D_{b-1}..D_0] -> [D_a..D_b] of buffer<[D_{b-1}..D_0]>; the
// outermost buffered dim may be ragged.
// CHECK-LABEL: func.func @bufferize(
// CHECK-SAME: %[[X:[^:]*]]: !step.stream<[4, 16], tile<16x64xbf16>>,
// CHECK-SAME: %[[R:[^:]*]]: !step.stream<[A, ragged<R>, B0], tile<1x64xf32>>)
// CHECK: %[[B:.*]] = step.bufferize %[[X]] rank 1 : !step.stream<[4, 16], tile<16x64xbf16>>
// CHECK: %[[O:.*]] = step.bufferize %[[X]] rank 1 offchip : !step.stream<[4, 16], tile<16x64xbf16>>
// CHECK: %[[G:.*]] = step.bufferize %[[R]] rank 2 : !step.stream<[A, ragged<R>, B0], tile<1x64xf32>>
// CHECK: return %[[B]], %[[O]], %[[G]] :
// CHECK-SAME: !step.stream<[4], buffer<[16], tile<16x64xbf16>>>,
// CHECK-SAME: !step.stream<[4], buffer<[16], tile<16x64xbf16>, offchip>>,
// CHECK-SAME: !step.stream<[A], buffer<[ragged<R>, B0], tile<1x64xf32>>>{{$}}
func.func @bufferize(%x: !step.stream<[4, 16], tile<16x64xbf16>>,
                     %r: !step.stream<[A, ragged<R>, B0], tile<1x64xf32>>)
    -> (!step.stream<[4], buffer<[16], tile<16x64xbf16>>>,
        !step.stream<[4], buffer<[16], tile<16x64xbf16>, offchip>>,
        !step.stream<[A], buffer<[ragged<R>, B0], tile<1x64xf32>>>) {
  %b = step.bufferize %x rank 1 : !step.stream<[4, 16], tile<16x64xbf16>>
  %o = step.bufferize %x rank 1 offchip : !step.stream<[4, 16], tile<16x64xbf16>>
  %g = step.bufferize %r rank 2 : !step.stream<[A, ragged<R>, B0], tile<1x64xf32>>
  return %b, %o, %g : !step.stream<[4], buffer<[16], tile<16x64xbf16>>>,
      !step.stream<[4], buffer<[16], tile<16x64xbf16>, offchip>>,
      !step.stream<[A], buffer<[ragged<R>, B0], tile<1x64xf32>>>
}

// Static form: input.shape ++ repeat ++ buffer.shape. Reference form:
// ref.shape ++ buffer.shape.
// CHECK-LABEL: func.func @streamify(
// CHECK-SAME: %[[B:[^:]*]]: !step.stream<[4], buffer<[16], tile<16x64xbf16>>>,
// CHECK-SAME: %[[R:[^:]*]]: !step.stream<[4, N], tile<1x1xi64>>,
// CHECK-SAME: %[[O:[^:]*]]: !step.stream<[C0], buffer<[B0, 2], tile<1x64xf32>, offchip>>)
// CHECK: %[[S:.*]] = step.streamify %[[B]] repeat [3] : !step.stream<[4], buffer<[16], tile<16x64xbf16>>>
// CHECK: %[[S2:.*]] = step.streamify %[[B]] repeat [2, 3] : !step.stream<[4], buffer<[16], tile<16x64xbf16>>>
// CHECK: %[[S0:.*]] = step.streamify %[[B]] : !step.stream<[4], buffer<[16], tile<16x64xbf16>>>
// CHECK: %[[T:.*]] = step.streamify %[[B]] ref %[[R]] rank 1 : !step.stream<[4], buffer<[16], tile<16x64xbf16>>>, !step.stream<[4, N], tile<1x1xi64>>
// CHECK: %[[U:.*]] = step.streamify %[[O]] : !step.stream<[C0], buffer<[B0, 2], tile<1x64xf32>, offchip>>
// CHECK: return %[[S]], %[[S2]], %[[S0]], %[[T]], %[[U]] :
// CHECK-SAME: !step.stream<[4, 3, 16], tile<16x64xbf16>>,
// CHECK-SAME: !step.stream<[4, 2, 3, 16], tile<16x64xbf16>>,
// CHECK-SAME: !step.stream<[4, 16], tile<16x64xbf16>>,
// CHECK-SAME: !step.stream<[4, N, 16], tile<16x64xbf16>>,
// CHECK-SAME: !step.stream<[C0, B0, 2], tile<1x64xf32>>{{$}}
func.func @streamify(%b: !step.stream<[4], buffer<[16], tile<16x64xbf16>>>,
                     %r: !step.stream<[4, N], tile<1x1xi64>>,
                     %o: !step.stream<[C0], buffer<[B0, 2], tile<1x64xf32>, offchip>>)
    -> (!step.stream<[4, 3, 16], tile<16x64xbf16>>, !step.stream<[4, 2, 3, 16], tile<16x64xbf16>>,
        !step.stream<[4, 16], tile<16x64xbf16>>, !step.stream<[4, N, 16], tile<16x64xbf16>>,
        !step.stream<[C0, B0, 2], tile<1x64xf32>>) {
  %s = step.streamify %b repeat [3] : !step.stream<[4], buffer<[16], tile<16x64xbf16>>>
  %s2 = step.streamify %b repeat [2, 3] : !step.stream<[4], buffer<[16], tile<16x64xbf16>>>
  %s0 = step.streamify %b : !step.stream<[4], buffer<[16], tile<16x64xbf16>>>
  %t = step.streamify %b ref %r rank 1 : !step.stream<[4], buffer<[16], tile<16x64xbf16>>>,
         !step.stream<[4, N], tile<1x1xi64>>
  %u = step.streamify %o : !step.stream<[C0], buffer<[B0, 2], tile<1x64xf32>, offchip>>
  return %s, %s2, %s0, %t, %u : !step.stream<[4, 3, 16], tile<16x64xbf16>>,
      !step.stream<[4, 2, 3, 16], tile<16x64xbf16>>, !step.stream<[4, 16], tile<16x64xbf16>>,
      !step.stream<[4, N, 16], tile<16x64xbf16>>, !step.stream<[C0, B0, 2], tile<1x64xf32>>
}

//===----------------------------------------------------------------------===//
// Dynamic routing and merging
//===----------------------------------------------------------------------===//

// Output i is [names[i]] ++ the inner `rank` dims (v1 Fig 3: [1, B, 2]
// partitioned at rank 1 gives [B_i, 2]).
// CHECK-LABEL: func.func @partition(
// CHECK-SAME: %[[X:[^:]*]]: !step.stream<[1, 64], tile<1x4096xbf16>>,
// CHECK-SAME: %[[S:[^:]*]]: !step.stream<[1, 64], selector<2, hot = 1>>,
// CHECK-SAME: %[[Y:[^:]*]]: !step.stream<[1, B, 2], tile<1x64xf32>>,
// CHECK-SAME: %[[T:[^:]*]]: !step.stream<[1, B], selector<3>>)
// CHECK: %[[E:.*]]:2 = step.partition %[[X]] by %[[S]] rank 0 names ["B0", "B1"] : !step.stream<[1, 64], tile<1x4096xbf16>>, !step.stream<[1, 64], selector<2, hot = 1>>
// CHECK: %[[F:.*]]:3 = step.partition %[[Y]] by %[[T]] rank 1 names ["P0", "P1", "P2"] : !step.stream<[1, B, 2], tile<1x64xf32>>, !step.stream<[1, B], selector<3>>
// CHECK: return %[[E]]#0, %[[E]]#1, %[[F]]#0, %[[F]]#2 :
// CHECK-SAME: !step.stream<[B0], tile<1x4096xbf16>>, !step.stream<[B1], tile<1x4096xbf16>>,
// CHECK-SAME: !step.stream<[P0, 2], tile<1x64xf32>>, !step.stream<[P2, 2], tile<1x64xf32>>{{$}}
func.func @partition(%x: !step.stream<[1, 64], tile<1x4096xbf16>>,
                     %s: !step.stream<[1, 64], selector<2, hot = 1>>,
                     %y: !step.stream<[1, B, 2], tile<1x64xf32>>,
                     %t: !step.stream<[1, B], selector<3>>)
    -> (!step.stream<[B0], tile<1x4096xbf16>>, !step.stream<[B1], tile<1x4096xbf16>>,
        !step.stream<[P0, 2], tile<1x64xf32>>, !step.stream<[P2, 2], tile<1x64xf32>>) {
  %e:2 = step.partition %x by %s rank 0 names ["B0", "B1"]
           : !step.stream<[1, 64], tile<1x4096xbf16>>, !step.stream<[1, 64], selector<2, hot = 1>>
  %f:3 = step.partition %y by %t rank 1 names ["P0", "P1", "P2"]
           : !step.stream<[1, B, 2], tile<1x64xf32>>, !step.stream<[1, B], selector<3>>
  return %e#0, %e#1, %f#0, %f#2 : !step.stream<[B0], tile<1x4096xbf16>>,
      !step.stream<[B1], tile<1x4096xbf16>>, !step.stream<[P0, 2], tile<1x64xf32>>,
      !step.stream<[P2, 2], tile<1x64xf32>>
}

// sel.shape ++ [K] ++ inner dims: K = k for a hot = k selector, else the
// ragged symbol given by `name`.
// CHECK-LABEL: func.func @reassemble(
// CHECK-SAME: %[[A:[^:]*]]: !step.stream<[B0], tile<1x4096xf32>>,
// CHECK-SAME: %[[B:[^:]*]]: !step.stream<[B1], tile<1x4096xf32>>,
// CHECK-SAME: %[[S1:[^:]*]]: !step.stream<[1, 64], selector<2, hot = 1>>,
// CHECK-SAME: %[[S2:[^:]*]]: !step.stream<[1, 64], selector<2, hot = 2>>,
// CHECK-SAME: %[[S:[^:]*]]: !step.stream<[1, 64], selector<2>>,
// CHECK-SAME: %[[C:[^:]*]]: !step.stream<[P0, 2], tile<1x64xf32>>,
// CHECK-SAME: %[[D:[^:]*]]: !step.stream<[P1, 2], tile<1x64xf32>>,
// CHECK-SAME: %[[T:[^:]*]]: !step.stream<[1, B], selector<2>>)
// CHECK: %[[Y1:.*]] = step.reassemble %[[A]], %[[B]] by %[[S1]] rank 0 : (!step.stream<[B0], tile<1x4096xf32>>, !step.stream<[B1], tile<1x4096xf32>>), !step.stream<[1, 64], selector<2, hot = 1>>
// CHECK: %[[Y2:.*]] = step.reassemble %[[A]], %[[B]] by %[[S2]] rank 0 : (!step.stream<[B0], tile<1x4096xf32>>, !step.stream<[B1], tile<1x4096xf32>>), !step.stream<[1, 64], selector<2, hot = 2>>
// CHECK: %[[Y:.*]] = step.reassemble %[[A]], %[[B]] by %[[S]] rank 0 name "R0" : (!step.stream<[B0], tile<1x4096xf32>>, !step.stream<[B1], tile<1x4096xf32>>), !step.stream<[1, 64], selector<2>>
// CHECK: %[[Z:.*]] = step.reassemble %[[C]], %[[D]] by %[[T]] rank 1 name "R1" : (!step.stream<[P0, 2], tile<1x64xf32>>, !step.stream<[P1, 2], tile<1x64xf32>>), !step.stream<[1, B], selector<2>>
// CHECK: return %[[Y1]], %[[Y2]], %[[Y]], %[[Z]] :
// CHECK-SAME: !step.stream<[1, 64, 1], tile<1x4096xf32>>,
// CHECK-SAME: !step.stream<[1, 64, 2], tile<1x4096xf32>>,
// CHECK-SAME: !step.stream<[1, 64, ragged<R0>], tile<1x4096xf32>>,
// CHECK-SAME: !step.stream<[1, B, ragged<R1>, 2], tile<1x64xf32>>{{$}}
func.func @reassemble(%a: !step.stream<[B0], tile<1x4096xf32>>,
                      %b: !step.stream<[B1], tile<1x4096xf32>>,
                      %s1: !step.stream<[1, 64], selector<2, hot = 1>>,
                      %s2: !step.stream<[1, 64], selector<2, hot = 2>>,
                      %s: !step.stream<[1, 64], selector<2>>,
                      %c: !step.stream<[P0, 2], tile<1x64xf32>>,
                      %d: !step.stream<[P1, 2], tile<1x64xf32>>,
                      %t: !step.stream<[1, B], selector<2>>)
    -> (!step.stream<[1, 64, 1], tile<1x4096xf32>>, !step.stream<[1, 64, 2], tile<1x4096xf32>>,
        !step.stream<[1, 64, ragged<R0>], tile<1x4096xf32>>,
        !step.stream<[1, B, ragged<R1>, 2], tile<1x64xf32>>) {
  %y1 = step.reassemble %a, %b by %s1 rank 0
          : (!step.stream<[B0], tile<1x4096xf32>>, !step.stream<[B1], tile<1x4096xf32>>),
            !step.stream<[1, 64], selector<2, hot = 1>>
  %y2 = step.reassemble %a, %b by %s2 rank 0
          : (!step.stream<[B0], tile<1x4096xf32>>, !step.stream<[B1], tile<1x4096xf32>>),
            !step.stream<[1, 64], selector<2, hot = 2>>
  %y = step.reassemble %a, %b by %s rank 0 name "R0"
         : (!step.stream<[B0], tile<1x4096xf32>>, !step.stream<[B1], tile<1x4096xf32>>),
           !step.stream<[1, 64], selector<2>>
  %z = step.reassemble %c, %d by %t rank 1 name "R1"
         : (!step.stream<[P0, 2], tile<1x64xf32>>, !step.stream<[P1, 2], tile<1x64xf32>>),
           !step.stream<[1, B], selector<2>>
  return %y1, %y2, %y, %z : !step.stream<[1, 64, 1], tile<1x4096xf32>>,
      !step.stream<[1, 64, 2], tile<1x4096xf32>>, !step.stream<[1, 64, ragged<R0>], tile<1x4096xf32>>,
      !step.stream<[1, B, ragged<R1>, 2], tile<1x64xf32>>
}

// Data [sum_i D^i, inner..]; selector [sum_i D^i] of selector<N, hot = 1>.
// CHECK-LABEL: func.func @eager_merge(
// CHECK-SAME: %[[A:[^:]*]]: !step.stream<[B0], tile<16x4096xf32>>,
// CHECK-SAME: %[[B:[^:]*]]: !step.stream<[B1], tile<16x4096xf32>>,
// CHECK-SAME: %[[C:[^:]*]]: !step.stream<[B0, 16], tile<1x64xf32>>,
// CHECK-SAME: %[[D:[^:]*]]: !step.stream<[B1, 16], tile<1x64xf32>>,
// CHECK-SAME: %[[E:[^:]*]]: !step.stream<[4, 16], tile<1x64xf32>>)
// CHECK: %[[M:.*]], %[[S:.*]] = step.eager_merge %[[A]], %[[B]] rank 0 : !step.stream<[B0], tile<16x4096xf32>>, !step.stream<[B1], tile<16x4096xf32>>
// CHECK: %[[M3:.*]], %[[S3:.*]] = step.eager_merge %[[C]], %[[D]], %[[E]] rank 1 : !step.stream<[B0, 16], tile<1x64xf32>>, !step.stream<[B1, 16], tile<1x64xf32>>, !step.stream<[4, 16], tile<1x64xf32>>
// CHECK: return %[[M]], %[[S]], %[[M3]], %[[S3]] :
// CHECK-SAME: !step.stream<[B0 + B1], tile<16x4096xf32>>,
// CHECK-SAME: !step.stream<[B0 + B1], selector<2, hot = 1>>,
// CHECK-SAME: !step.stream<[B0 + B1 + 4, 16], tile<1x64xf32>>,
// CHECK-SAME: !step.stream<[B0 + B1 + 4], selector<3, hot = 1>>{{$}}
func.func @eager_merge(%a: !step.stream<[B0], tile<16x4096xf32>>,
                       %b: !step.stream<[B1], tile<16x4096xf32>>,
                       %c: !step.stream<[B0, 16], tile<1x64xf32>>,
                       %d: !step.stream<[B1, 16], tile<1x64xf32>>,
                       %e: !step.stream<[4, 16], tile<1x64xf32>>)
    -> (!step.stream<[B0 + B1], tile<16x4096xf32>>, !step.stream<[B0 + B1], selector<2, hot = 1>>,
        !step.stream<[B0 + B1 + 4, 16], tile<1x64xf32>>,
        !step.stream<[B0 + B1 + 4], selector<3, hot = 1>>) {
  %m, %s = step.eager_merge %a, %b rank 0
             : !step.stream<[B0], tile<16x4096xf32>>, !step.stream<[B1], tile<16x4096xf32>>
  %m3, %s3 = step.eager_merge %c, %d, %e rank 1
               : !step.stream<[B0, 16], tile<1x64xf32>>, !step.stream<[B1, 16], tile<1x64xf32>>,
                 !step.stream<[4, 16], tile<1x64xf32>>
  return %m, %s, %m3, %s3 : !step.stream<[B0 + B1], tile<16x4096xf32>>,
      !step.stream<[B0 + B1], selector<2, hot = 1>>, !step.stream<[B0 + B1 + 4, 16], tile<1x64xf32>>,
      !step.stream<[B0 + B1 + 4], selector<3, hot = 1>>
}

// CHECK-LABEL: func.func @broadcast(
// CHECK-SAME: %[[X:[^:]*]]: !step.stream<[C0], tile<16x4096xf32>>)
// CHECK: %[[B:.*]]:3 = step.broadcast %[[X]] count 3 : !step.stream<[C0], tile<16x4096xf32>>
// CHECK: return %[[B]]#0, %[[B]]#2 : !step.stream<[C0], tile<16x4096xf32>>, !step.stream<[C0], tile<16x4096xf32>>
func.func @broadcast(%x: !step.stream<[C0], tile<16x4096xf32>>)
    -> (!step.stream<[C0], tile<16x4096xf32>>, !step.stream<[C0], tile<16x4096xf32>>) {
  %b:3 = step.broadcast %x count 3 : !step.stream<[C0], tile<16x4096xf32>>
  return %b#0, %b#2 : !step.stream<[C0], tile<16x4096xf32>>, !step.stream<[C0], tile<16x4096xf32>>
}

// Output i of n gets (D + n - 1 - i) floordiv n chunks: 10 over 4 is
// 3, 3, 2, 2.
// CHECK-LABEL: func.func @parallelize(
// CHECK-SAME: %[[Q:[^:]*]]: !step.stream<[64, 8], tile<1x64xbf16>>,
// CHECK-SAME: %[[T:[^:]*]]: !step.stream<[10], tile<1x64xbf16>>,
// CHECK-SAME: %[[D:[^:]*]]: !step.stream<[B0, 8], tile<1x64xbf16>>)
// CHECK: %[[P:.*]]:4 = step.parallelize %[[Q]] rank 1 count 4 : !step.stream<[64, 8], tile<1x64xbf16>>
// CHECK: %[[R:.*]]:4 = step.parallelize %[[T]] rank 0 count 4 : !step.stream<[10], tile<1x64xbf16>>
// CHECK: %[[S:.*]]:3 = step.parallelize %[[D]] rank 1 count 3 : !step.stream<[B0, 8], tile<1x64xbf16>>
// CHECK: return %[[P]]#0, %[[P]]#3, %[[R]]#0, %[[R]]#1, %[[R]]#2, %[[R]]#3, %[[S]]#0, %[[S]]#1, %[[S]]#2 :
// CHECK-SAME: !step.stream<[16, 8], tile<1x64xbf16>>, !step.stream<[16, 8], tile<1x64xbf16>>,
// CHECK-SAME: !step.stream<[3], tile<1x64xbf16>>, !step.stream<[3], tile<1x64xbf16>>,
// CHECK-SAME: !step.stream<[2], tile<1x64xbf16>>, !step.stream<[2], tile<1x64xbf16>>,
// CHECK-SAME: !step.stream<[(B0 + 2) floordiv 3, 8], tile<1x64xbf16>>,
// CHECK-SAME: !step.stream<[(B0 + 1) floordiv 3, 8], tile<1x64xbf16>>,
// CHECK-SAME: !step.stream<[B0 floordiv 3, 8], tile<1x64xbf16>>{{$}}
func.func @parallelize(%q: !step.stream<[64, 8], tile<1x64xbf16>>,
                       %t: !step.stream<[10], tile<1x64xbf16>>,
                       %d: !step.stream<[B0, 8], tile<1x64xbf16>>)
    -> (!step.stream<[16, 8], tile<1x64xbf16>>, !step.stream<[16, 8], tile<1x64xbf16>>,
        !step.stream<[3], tile<1x64xbf16>>, !step.stream<[3], tile<1x64xbf16>>,
        !step.stream<[2], tile<1x64xbf16>>, !step.stream<[2], tile<1x64xbf16>>,
        !step.stream<[(B0 + 2) floordiv 3, 8], tile<1x64xbf16>>,
        !step.stream<[(B0 + 1) floordiv 3, 8], tile<1x64xbf16>>,
        !step.stream<[B0 floordiv 3, 8], tile<1x64xbf16>>) {
  %p:4 = step.parallelize %q rank 1 count 4 : !step.stream<[64, 8], tile<1x64xbf16>>
  %r:4 = step.parallelize %t rank 0 count 4 : !step.stream<[10], tile<1x64xbf16>>
  %s:3 = step.parallelize %d rank 1 count 3 : !step.stream<[B0, 8], tile<1x64xbf16>>
  return %p#0, %p#3, %r#0, %r#1, %r#2, %r#3, %s#0, %s#1, %s#2
      : !step.stream<[16, 8], tile<1x64xbf16>>, !step.stream<[16, 8], tile<1x64xbf16>>,
        !step.stream<[3], tile<1x64xbf16>>, !step.stream<[3], tile<1x64xbf16>>,
        !step.stream<[2], tile<1x64xbf16>>, !step.stream<[2], tile<1x64xbf16>>,
        !step.stream<[(B0 + 2) floordiv 3, 8], tile<1x64xbf16>>,
        !step.stream<[(B0 + 1) floordiv 3, 8], tile<1x64xbf16>>,
        !step.stream<[B0 floordiv 3, 8], tile<1x64xbf16>>
}

//===----------------------------------------------------------------------===//
// Runtime-input sources
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @sources()
// CHECK: %[[SEL:.*]] = step.select_gen "routing" : !step.stream<[1, 64], selector<8, hot = 2>>
// CHECK: %[[ONE:.*]] = step.select_gen "routing1" : !step.stream<[1, 64, 2], selector<8, hot = 1>>
// CHECK: %[[LEN:.*]] = step.metadata_gen "kv_len" : !step.stream<[1, 64], tile<1x1xi64>>
// CHECK: %[[IDX:.*]] = step.metadata_gen "idx" : !step.stream<[B], i32>
// CHECK: return %[[SEL]], %[[ONE]], %[[LEN]], %[[IDX]]
func.func @sources()
    -> (!step.stream<[1, 64], selector<8, hot = 2>>, !step.stream<[1, 64, 2], selector<8, hot = 1>>,
        !step.stream<[1, 64], tile<1x1xi64>>, !step.stream<[B], i32>) {
  %sel = step.select_gen "routing" : !step.stream<[1, 64], selector<8, hot = 2>>
  %one = step.select_gen "routing1" : !step.stream<[1, 64, 2], selector<8, hot = 1>>
  %len = step.metadata_gen "kv_len" : !step.stream<[1, 64], tile<1x1xi64>>
  %idx = step.metadata_gen "idx" : !step.stream<[B], i32>
  return %sel, %one, %len, %idx : !step.stream<[1, 64], selector<8, hot = 2>>,
      !step.stream<[1, 64, 2], selector<8, hot = 1>>, !step.stream<[1, 64], tile<1x1xi64>>,
      !step.stream<[B], i32>
}

//===----------------------------------------------------------------------===//
// Higher-order operators
//===----------------------------------------------------------------------===//

// The result has the inputs' shape and the yielded element type.
// CHECK-LABEL: func.func @map(
// CHECK-SAME: %[[X:[^:]*]]: !step.stream<[C0, 224], tile<16x4096xf32>>,
// CHECK-SAME: %[[W:[^:]*]]: !step.stream<[C0, 224], tile<4096x64xbf16>>)
// CHECK: %[[H:.*]] = step.map %[[X]], %[[W]] : !step.stream<[C0, 224], tile<16x4096xf32>>, !step.stream<[C0, 224], tile<4096x64xbf16>> {
// CHECK-NEXT: ^bb0(%[[A:[^:]*]]: !step.tile<16x4096xf32>, %[[B:[^:]*]]: !step.tile<4096x64xbf16>):
// CHECK-NEXT: %[[P:.*]] = step.matmul %[[A]], %[[B]] : !step.tile<16x4096xf32>, !step.tile<4096x64xbf16>
// CHECK-NEXT: step.yield %[[P]] : !step.tile<16x64xf32>
// CHECK-NEXT: }
// CHECK: %[[S:.*]] = step.map %[[H]] {compute_bw = 1024 : i64} : !step.stream<[C0, 224], tile<16x64xf32>> {
// CHECK: step.silu
// CHECK: %[[F:.*]] = step.map %[[H]] : !step.stream<[C0, 224], tile<16x64xf32>> {
// CHECK: step.row_max
// CHECK: return %[[H]], %[[S]], %[[F]] : !step.stream<[C0, 224], tile<16x64xf32>>, !step.stream<[C0, 224], tile<16x64xf32>>, !step.stream<[C0, 224], tile<16x1xf32>>
func.func @map(%x: !step.stream<[C0, 224], tile<16x4096xf32>>,
               %w: !step.stream<[C0, 224], tile<4096x64xbf16>>)
    -> (!step.stream<[C0, 224], tile<16x64xf32>>, !step.stream<[C0, 224], tile<16x64xf32>>,
        !step.stream<[C0, 224], tile<16x1xf32>>) {
  %h = step.map %x, %w : !step.stream<[C0, 224], tile<16x4096xf32>>,
                         !step.stream<[C0, 224], tile<4096x64xbf16>> {
  ^bb0(%a: !step.tile<16x4096xf32>, %b: !step.tile<4096x64xbf16>):
    %p = step.matmul %a, %b : !step.tile<16x4096xf32>, !step.tile<4096x64xbf16>
    step.yield %p : !step.tile<16x64xf32>
  }
  %s = step.map %h {compute_bw = 1024 : i64} : !step.stream<[C0, 224], tile<16x64xf32>> {
  ^bb0(%a: !step.tile<16x64xf32>):
    %y = step.silu %a : !step.tile<16x64xf32>
    step.yield %y : !step.tile<16x64xf32>
  }
  %f = step.map %h : !step.stream<[C0, 224], tile<16x64xf32>> {
  ^bb0(%a: !step.tile<16x64xf32>):
    %y = step.row_max %a : !step.tile<16x64xf32>
    step.yield %y : !step.tile<16x1xf32>
  }
  return %h, %s, %f : !step.stream<[C0, 224], tile<16x64xf32>>,
      !step.stream<[C0, 224], tile<16x64xf32>>, !step.stream<[C0, 224], tile<16x1xf32>>
}

// [D_a..D_b, D_{b-1}..D_0] -> [D_a..D_b] of the accumulator type, which may
// be larger than the input tile (16 rows packed) or dynamically shaped
// (dynamic tiling: all B0 rows in one tile).
// CHECK-LABEL: func.func @accum(
// CHECK-SAME: %[[R:[^:]*]]: !step.stream<[C0, 16], tile<1x4096xbf16>>,
// CHECK-SAME: %[[T:[^:]*]]: !step.stream<[B0 ceildiv max(B0, 1), B0], tile<1x4096xbf16>>,
// CHECK-SAME: %[[H:[^:]*]]: !step.stream<[C0, 224], tile<16x64xf32>>,
// CHECK-SAME: %[[W:[^:]*]]: !step.stream<[C0, 224], tile<64x4096xbf16>>)
// CHECK: %[[P:.*]] = step.accum %[[R]] rank 1 : !step.stream<[C0, 16], tile<1x4096xbf16>> init {
// CHECK-NEXT: %[[Z:.*]] = step.zeros : !step.tile<16x4096xf32>
// CHECK-NEXT: step.yield %[[Z]] : !step.tile<16x4096xf32>
// CHECK-NEXT: } update {
// CHECK-NEXT: ^bb0(%[[ACC:[^:]*]]: !step.tile<16x4096xf32>, %[[ROW:[^:]*]]: !step.tile<1x4096xbf16>):
// CHECK-NEXT: %[[N:.*]] = step.retile_rows %[[ACC]], %[[ROW]] : !step.tile<16x4096xf32>, !step.tile<1x4096xbf16>
// CHECK-NEXT: step.yield %[[N]] : !step.tile<16x4096xf32>
// CHECK-NEXT: }
// CHECK: %[[DYN:.*]] = step.accum %[[T]] rank 1 : !step.stream<[B0 ceildiv max(B0, 1), B0], tile<1x4096xbf16>> init {
// CHECK: step.zeros : !step.tile<[B0, 4096], f32>
// CHECK: step.retile_rows
// CHECK: %[[MM:.*]] = step.accum %[[H]], %[[W]] rank 1 {compute_bw = 512 : i64} : !step.stream<[C0, 224], tile<16x64xf32>>, !step.stream<[C0, 224], tile<64x4096xbf16>> init {
// CHECK: ^bb0(%{{.*}}: !step.tile<16x4096xf32>, %{{.*}}: !step.tile<16x64xf32>, %{{.*}}: !step.tile<64x4096xbf16>):
// CHECK: return %[[P]], %[[DYN]], %[[MM]] :
// CHECK-SAME: !step.stream<[C0], tile<16x4096xf32>>,
// CHECK-SAME: !step.stream<[B0 ceildiv max(B0, 1)], tile<[B0, 4096], f32>>,
// CHECK-SAME: !step.stream<[C0], tile<16x4096xf32>>{{$}}
func.func @accum(%r: !step.stream<[C0, 16], tile<1x4096xbf16>>,
                 %t: !step.stream<[B0 ceildiv max(B0, 1), B0], tile<1x4096xbf16>>,
                 %h: !step.stream<[C0, 224], tile<16x64xf32>>,
                 %w: !step.stream<[C0, 224], tile<64x4096xbf16>>)
    -> (!step.stream<[C0], tile<16x4096xf32>>,
        !step.stream<[B0 ceildiv max(B0, 1)], tile<[B0, 4096], f32>>,
        !step.stream<[C0], tile<16x4096xf32>>) {
  %p = step.accum %r rank 1 : !step.stream<[C0, 16], tile<1x4096xbf16>> init {
    %z = step.zeros : !step.tile<16x4096xf32>
    step.yield %z : !step.tile<16x4096xf32>
  } update {
  ^bb0(%acc: !step.tile<16x4096xf32>, %row: !step.tile<1x4096xbf16>):
    %n = step.retile_rows %acc, %row : !step.tile<16x4096xf32>, !step.tile<1x4096xbf16>
    step.yield %n : !step.tile<16x4096xf32>
  }
  %dyn = step.accum %t rank 1 : !step.stream<[B0 ceildiv max(B0, 1), B0], tile<1x4096xbf16>> init {
    %z = step.zeros : !step.tile<[B0, 4096], f32>
    step.yield %z : !step.tile<[B0, 4096], f32>
  } update {
  ^bb0(%acc: !step.tile<[B0, 4096], f32>, %row: !step.tile<1x4096xbf16>):
    %n = step.retile_rows %acc, %row : !step.tile<[B0, 4096], f32>, !step.tile<1x4096xbf16>
    step.yield %n : !step.tile<[B0, 4096], f32>
  }
  // Two inputs (zip + map + accum): a matmul reduced over the 224 K-tiles.
  %mm = step.accum %h, %w rank 1 {compute_bw = 512 : i64}
          : !step.stream<[C0, 224], tile<16x64xf32>>, !step.stream<[C0, 224], tile<64x4096xbf16>> init {
    %z = step.zeros : !step.tile<16x4096xf32>
    step.yield %z : !step.tile<16x4096xf32>
  } update {
  ^bb0(%acc: !step.tile<16x4096xf32>, %a: !step.tile<16x64xf32>, %b: !step.tile<64x4096xbf16>):
    %prod = step.matmul %a, %b : !step.tile<16x64xf32>, !step.tile<64x4096xbf16>
    %n = step.add %acc, %prod : !step.tile<16x4096xf32>, !step.tile<16x4096xf32>
    step.yield %n : !step.tile<16x4096xf32>
  }
  return %p, %dyn, %mm : !step.stream<[C0], tile<16x4096xf32>>,
      !step.stream<[B0 ceildiv max(B0, 1)], tile<[B0, 4096], f32>>,
      !step.stream<[C0], tile<16x4096xf32>>
}

// Like accum, but the result keeps the input's shape.
// CHECK-LABEL: func.func @scan(
// CHECK-SAME: %[[X:[^:]*]]: !step.stream<[4, 8], tile<1x64xf32>>)
// CHECK: %[[S:.*]] = step.scan %[[X]] rank 1 : !step.stream<[4, 8], tile<1x64xf32>> init {
// CHECK-NEXT: %[[Z:.*]] = step.zeros : !step.tile<1x64xf32>
// CHECK-NEXT: step.yield %[[Z]] : !step.tile<1x64xf32>
// CHECK-NEXT: } update {
// CHECK-NEXT: ^bb0(%[[ACC:[^:]*]]: !step.tile<1x64xf32>, %[[V:[^:]*]]: !step.tile<1x64xf32>):
// CHECK-NEXT: %[[N:.*]] = step.add %[[ACC]], %[[V]] : !step.tile<1x64xf32>, !step.tile<1x64xf32>
// CHECK-NEXT: step.yield %[[N]] : !step.tile<1x64xf32>
// CHECK-NEXT: }
// CHECK: %[[M:.*]] = step.scan %[[X]] rank 1 : !step.stream<[4, 8], tile<1x64xf32>> init {
// CHECK: step.row_sum
// CHECK: return %[[S]], %[[M]] : !step.stream<[4, 8], tile<1x64xf32>>, !step.stream<[4, 8], tile<1x1xf32>>
func.func @scan(%x: !step.stream<[4, 8], tile<1x64xf32>>)
    -> (!step.stream<[4, 8], tile<1x64xf32>>, !step.stream<[4, 8], tile<1x1xf32>>) {
  %s = step.scan %x rank 1 : !step.stream<[4, 8], tile<1x64xf32>> init {
    %z = step.zeros : !step.tile<1x64xf32>
    step.yield %z : !step.tile<1x64xf32>
  } update {
  ^bb0(%acc: !step.tile<1x64xf32>, %v: !step.tile<1x64xf32>):
    %n = step.add %acc, %v : !step.tile<1x64xf32>, !step.tile<1x64xf32>
    step.yield %n : !step.tile<1x64xf32>
  }
  // A running row sum: the accumulator need not have the input tile type.
  %m = step.scan %x rank 1 : !step.stream<[4, 8], tile<1x64xf32>> init {
    %z = step.zeros : !step.tile<1x1xf32>
    step.yield %z : !step.tile<1x1xf32>
  } update {
  ^bb0(%acc: !step.tile<1x1xf32>, %v: !step.tile<1x64xf32>):
    %r = step.row_sum %v : !step.tile<1x64xf32>
    %n = step.add %acc, %r : !step.tile<1x1xf32>, !step.tile<1x1xf32>
    step.yield %n : !step.tile<1x1xf32>
  }
  return %s, %m : !step.stream<[4, 8], tile<1x64xf32>>, !step.stream<[4, 8], tile<1x1xf32>>
}

// [D_a..D_1, D_0] with sub-streams [E_b..E_0] -> [D_a..D_1, D_0 * E_b,
// E_{b-1}..E_0]; with drop_padding the dim is stated by `dim`.
// CHECK-LABEL: func.func @flatmap(
// CHECK-SAME: %[[T:[^:]*]]: !step.stream<[C0], tile<16x4096xf32>>,
// CHECK-SAME: %[[U:[^:]*]]: !step.stream<[2, C0], tile<[B0, 64], f32>>)
// CHECK: %[[ROWS:.*]] = step.flatmap %[[T]] : !step.stream<[C0], tile<16x4096xf32>> {
// CHECK-NEXT: ^bb0(%[[A:[^:]*]]: !step.tile<16x4096xf32>):
// CHECK-NEXT: %[[R:.*]] = step.split_rows %[[A]] : !step.tile<16x4096xf32>
// CHECK-NEXT: step.yield %[[R]] : !step.stream<[16], tile<1x4096xf32>>
// CHECK-NEXT: }
// CHECK: %[[TOK:.*]] = step.flatmap %[[T]] dim "B0" : !step.stream<[C0], tile<16x4096xf32>> {
// CHECK: step.split_rows %{{.*}} drop_padding : !step.tile<16x4096xf32>
// CHECK: %[[DYN:.*]] = step.flatmap %[[U]] : !step.stream<[2, C0], tile<[B0, 64], f32>> {
// CHECK: return %[[ROWS]], %[[TOK]], %[[DYN]] :
// CHECK-SAME: !step.stream<[16 * C0], tile<1x4096xf32>>,
// CHECK-SAME: !step.stream<[B0], tile<1x4096xf32>>,
// CHECK-SAME: !step.stream<[2, B0 * C0], tile<1x64xf32>>{{$}}
func.func @flatmap(%t: !step.stream<[C0], tile<16x4096xf32>>,
                   %u: !step.stream<[2, C0], tile<[B0, 64], f32>>)
    -> (!step.stream<[16 * C0], tile<1x4096xf32>>, !step.stream<[B0], tile<1x4096xf32>>,
        !step.stream<[2, B0 * C0], tile<1x64xf32>>) {
  %rows = step.flatmap %t : !step.stream<[C0], tile<16x4096xf32>> {
  ^bb0(%a: !step.tile<16x4096xf32>):
    %r = step.split_rows %a : !step.tile<16x4096xf32>
    step.yield %r : !step.stream<[16], tile<1x4096xf32>>
  }
  %tok = step.flatmap %t dim "B0" : !step.stream<[C0], tile<16x4096xf32>> {
  ^bb0(%a: !step.tile<16x4096xf32>):
    %r = step.split_rows %a drop_padding : !step.tile<16x4096xf32>
    step.yield %r : !step.stream<[16], tile<1x4096xf32>>
  }
  %dyn = step.flatmap %u : !step.stream<[2, C0], tile<[B0, 64], f32>> {
  ^bb0(%a: !step.tile<[B0, 64], f32>):
    %r = step.split_rows %a : !step.tile<[B0, 64], f32>
    step.yield %r : !step.stream<[B0], tile<1x64xf32>>
  }
  return %rows, %tok, %dyn : !step.stream<[16 * C0], tile<1x4096xf32>>,
      !step.stream<[B0], tile<1x4096xf32>>, !step.stream<[2, B0 * C0], tile<1x64xf32>>
}

//===----------------------------------------------------------------------===//
// Shape operators
//===----------------------------------------------------------------------===//

// The merged dim is the product of ranks min..max; a ragged dim in the
// range absorbs the dims outside it (its value is already their total).
// CHECK-LABEL: func.func @flatten(
// CHECK-SAME: %[[W:[^:]*]]: !step.stream<[C0, 1, 224], tile<4096x64xbf16>>,
// CHECK-SAME: %[[R:[^:]*]]: !step.stream<[2, 64, ragged<R0>], tile<1x64xf32>>,
// CHECK-SAME: %[[M:[^:]*]]: !step.stream<[A, ragged<R1>, 4], tile<1x64xf32>>)
// CHECK: %[[F:.*]] = step.flatten %[[W]] ranks 0 to 1 : !step.stream<[C0, 1, 224], tile<4096x64xbf16>>
// CHECK: %[[G:.*]] = step.flatten %[[W]] ranks 0 to 2 : !step.stream<[C0, 1, 224], tile<4096x64xbf16>>
// CHECK: %[[ALL:.*]] = step.flatten %[[R]] ranks 0 to 2 : !step.stream<[2, 64, ragged<R0>], tile<1x64xf32>>
// CHECK: %[[IN:.*]] = step.flatten %[[R]] ranks 0 to 1 : !step.stream<[2, 64, ragged<R0>], tile<1x64xf32>>
// CHECK: %[[OUT:.*]] = step.flatten %[[R]] ranks 1 to 2 : !step.stream<[2, 64, ragged<R0>], tile<1x64xf32>>
// CHECK: %[[MID:.*]] = step.flatten %[[M]] ranks 0 to 1 : !step.stream<[A, ragged<R1>, 4], tile<1x64xf32>>
// CHECK: return %[[F]], %[[G]], %[[ALL]], %[[IN]], %[[OUT]], %[[MID]] :
// CHECK-SAME: !step.stream<[C0, 224], tile<4096x64xbf16>>,
// CHECK-SAME: !step.stream<[224 * C0], tile<4096x64xbf16>>,
// CHECK-SAME: !step.stream<[ragged<R0>], tile<1x64xf32>>,
// CHECK-SAME: !step.stream<[2, ragged<R0>], tile<1x64xf32>>,
// CHECK-SAME: !step.stream<[128, ragged<R0>], tile<1x64xf32>>,
// CHECK-SAME: !step.stream<[A, ragged<4 * R1>], tile<1x64xf32>>{{$}}
func.func @flatten(%w: !step.stream<[C0, 1, 224], tile<4096x64xbf16>>,
                   %r: !step.stream<[2, 64, ragged<R0>], tile<1x64xf32>>,
                   %m: !step.stream<[A, ragged<R1>, 4], tile<1x64xf32>>)
    -> (!step.stream<[C0, 224], tile<4096x64xbf16>>, !step.stream<[224 * C0], tile<4096x64xbf16>>,
        !step.stream<[ragged<R0>], tile<1x64xf32>>, !step.stream<[2, ragged<R0>], tile<1x64xf32>>,
        !step.stream<[128, ragged<R0>], tile<1x64xf32>>,
        !step.stream<[A, ragged<4 * R1>], tile<1x64xf32>>) {
  %f = step.flatten %w ranks 0 to 1 : !step.stream<[C0, 1, 224], tile<4096x64xbf16>>
  %g = step.flatten %w ranks 0 to 2 : !step.stream<[C0, 1, 224], tile<4096x64xbf16>>
  %all = step.flatten %r ranks 0 to 2 : !step.stream<[2, 64, ragged<R0>], tile<1x64xf32>>
  %in = step.flatten %r ranks 0 to 1 : !step.stream<[2, 64, ragged<R0>], tile<1x64xf32>>
  %out = step.flatten %r ranks 1 to 2 : !step.stream<[2, 64, ragged<R0>], tile<1x64xf32>>
  %mid = step.flatten %m ranks 0 to 1 : !step.stream<[A, ragged<R1>, 4], tile<1x64xf32>>
  return %f, %g, %all, %in, %out, %mid : !step.stream<[C0, 224], tile<4096x64xbf16>>,
      !step.stream<[224 * C0], tile<4096x64xbf16>>, !step.stream<[ragged<R0>], tile<1x64xf32>>,
      !step.stream<[2, ragged<R0>], tile<1x64xf32>>, !step.stream<[128, ragged<R0>], tile<1x64xf32>>,
      !step.stream<[A, ragged<4 * R1>], tile<1x64xf32>>
}

// [.., D_r, ..] -> [.., D_r ceildiv chunk, chunk, ..]; the canonical form
// of B0 ceildiv 16 is (B0 + 15) floordiv 16. The second result flags padding.
// CHECK-LABEL: func.func @reshape(
// CHECK-SAME: %[[E:[^:]*]]: !step.stream<[B0], tile<1x4096xbf16>>,
// CHECK-SAME: %[[V:[^:]*]]: !step.stream<[C0, 64, 4], tile<1x64xf32>>,
// CHECK-SAME: %[[W:[^:]*]]: !step.stream<[C0, 1, 220], tile<4096x64xbf16>>)
// CHECK: %[[C:.*]], %[[P:.*]] = step.reshape %[[E]] rank 0 chunk 16 : !step.stream<[B0], tile<1x4096xbf16>>
// CHECK: %[[C1:.*]], %{{.*}} = step.reshape %[[V]] rank 1 chunk 16 : !step.stream<[C0, 64, 4], tile<1x64xf32>>
// CHECK: %[[C2:.*]], %[[P2:.*]] = step.reshape %[[W]] rank 0 chunk 16 {pad = 1.000000e+00 : f64} : !step.stream<[C0, 1, 220], tile<4096x64xbf16>>
// CHECK: return %[[C]], %[[P]], %[[C1]], %[[C2]], %[[P2]] :
// CHECK-SAME: !step.stream<[(B0 + 15) floordiv 16, 16], tile<1x4096xbf16>>,
// CHECK-SAME: !step.stream<[(B0 + 15) floordiv 16, 16], i1>,
// CHECK-SAME: !step.stream<[C0, 4, 16, 4], tile<1x64xf32>>,
// CHECK-SAME: !step.stream<[C0, 1, 14, 16], tile<4096x64xbf16>>,
// CHECK-SAME: !step.stream<[C0, 1, 14, 16], i1>{{$}}
func.func @reshape(%e: !step.stream<[B0], tile<1x4096xbf16>>,
                   %v: !step.stream<[C0, 64, 4], tile<1x64xf32>>,
                   %w: !step.stream<[C0, 1, 220], tile<4096x64xbf16>>)
    -> (!step.stream<[(B0 + 15) floordiv 16, 16], tile<1x4096xbf16>>,
        !step.stream<[B0 ceildiv 16, 16], i1>,
        !step.stream<[C0, 4, 16, 4], tile<1x64xf32>>,
        !step.stream<[C0, 1, 14, 16], tile<4096x64xbf16>>,
        !step.stream<[C0, 1, 14, 16], i1>) {
  %c, %p = step.reshape %e rank 0 chunk 16 : !step.stream<[B0], tile<1x4096xbf16>>
  %c1, %p1 = step.reshape %v rank 1 chunk 16 : !step.stream<[C0, 64, 4], tile<1x64xf32>>
  // 220 = 13 * 16 + 12: 14 chunks, the last one padded.
  %c2, %p2 = step.reshape %w rank 0 chunk 16 {pad = 1.0 : f64}
               : !step.stream<[C0, 1, 220], tile<4096x64xbf16>>
  return %c, %p, %c1, %c2, %p2 : !step.stream<[(B0 + 15) floordiv 16, 16], tile<1x4096xbf16>>,
      !step.stream<[B0 ceildiv 16, 16], i1>, !step.stream<[C0, 4, 16, 4], tile<1x64xf32>>,
      !step.stream<[C0, 1, 14, 16], tile<4096x64xbf16>>, !step.stream<[C0, 1, 14, 16], i1>
}

// Without rank: a new outermost dim, 1 if the stream is non-empty and 0
// otherwise (D ceildiv max(D, 1)); with rank r: a 1 just outside rank r - 1.
// CHECK-LABEL: func.func @promote(
// CHECK-SAME: %[[E:[^:]*]]: !step.stream<[B0], tile<1x4096xbf16>>,
// CHECK-SAME: %[[S:[^:]*]]: !step.stream<[4, 8], tile<1x64xf32>>,
// CHECK-SAME: %[[W:[^:]*]]: !step.stream<[C0, 1, 224], tile<4096x64xbf16>>)
// CHECK: %[[P:.*]] = step.promote %[[E]] : !step.stream<[B0], tile<1x4096xbf16>>
// CHECK: %[[Q:.*]] = step.promote %[[S]] : !step.stream<[4, 8], tile<1x64xf32>>
// CHECK: %[[R1:.*]] = step.promote %[[W]] rank 1 : !step.stream<[C0, 1, 224], tile<4096x64xbf16>>
// CHECK: %[[R3:.*]] = step.promote %[[W]] rank 3 : !step.stream<[C0, 1, 224], tile<4096x64xbf16>>
// CHECK: return %[[P]], %[[Q]], %[[R1]], %[[R3]] :
// CHECK-SAME: !step.stream<[B0 ceildiv max(B0, 1), B0], tile<1x4096xbf16>>,
// CHECK-SAME: !step.stream<[1, 4, 8], tile<1x64xf32>>,
// CHECK-SAME: !step.stream<[C0, 1, 1, 224], tile<4096x64xbf16>>,
// CHECK-SAME: !step.stream<[1, C0, 1, 224], tile<4096x64xbf16>>{{$}}
func.func @promote(%e: !step.stream<[B0], tile<1x4096xbf16>>,
                   %s: !step.stream<[4, 8], tile<1x64xf32>>,
                   %w: !step.stream<[C0, 1, 224], tile<4096x64xbf16>>)
    -> (!step.stream<[B0 ceildiv max(B0, 1), B0], tile<1x4096xbf16>>,
        !step.stream<[1, 4, 8], tile<1x64xf32>>,
        !step.stream<[C0, 1, 1, 224], tile<4096x64xbf16>>,
        !step.stream<[1, C0, 1, 224], tile<4096x64xbf16>>) {
  %p = step.promote %e : !step.stream<[B0], tile<1x4096xbf16>>
  %q = step.promote %s : !step.stream<[4, 8], tile<1x64xf32>>
  %r1 = step.promote %w rank 1 : !step.stream<[C0, 1, 224], tile<4096x64xbf16>>
  %r3 = step.promote %w rank 3 : !step.stream<[C0, 1, 224], tile<4096x64xbf16>>
  return %p, %q, %r1, %r3 : !step.stream<[B0 ceildiv max(B0, 1), B0], tile<1x4096xbf16>>,
      !step.stream<[1, 4, 8], tile<1x64xf32>>, !step.stream<[C0, 1, 1, 224], tile<4096x64xbf16>>,
      !step.stream<[1, C0, 1, 224], tile<4096x64xbf16>>
}

// expand: the reference's shape with the input's elements; repeat: a new
// innermost dim of `count`.
// CHECK-LABEL: func.func @expand_repeat(
// CHECK-SAME: %[[Q:[^:]*]]: !step.stream<[B, 1], tile<8x64xbf16>>,
// CHECK-SAME: %[[K:[^:]*]]: !step.stream<[B, N], tile<32x64xbf16>>,
// CHECK-SAME: %[[Q2:[^:]*]]: !step.stream<[B, 1, 1], tile<8x64xbf16>>,
// CHECK-SAME: %[[K2:[^:]*]]: !step.stream<[B, N, ragged<L>], i1>,
// CHECK-SAME: %[[T:[^:]*]]: !step.stream<[C0], tile<16x4096xf32>>)
// CHECK: %[[E:.*]] = step.expand %[[Q]] to %[[K]] rank 1 : !step.stream<[B, 1], tile<8x64xbf16>>, !step.stream<[B, N], tile<32x64xbf16>>
// CHECK: %[[E2:.*]] = step.expand %[[Q2]] to %[[K2]] rank 2 : !step.stream<[B, 1, 1], tile<8x64xbf16>>, !step.stream<[B, N, ragged<L>], i1>
// CHECK: %[[R:.*]] = step.repeat %[[T]] count 224 : !step.stream<[C0], tile<16x4096xf32>>
// CHECK: return %[[E]], %[[E2]], %[[R]] :
// CHECK-SAME: !step.stream<[B, N], tile<8x64xbf16>>,
// CHECK-SAME: !step.stream<[B, N, ragged<L>], tile<8x64xbf16>>,
// CHECK-SAME: !step.stream<[C0, 224], tile<16x4096xf32>>{{$}}
func.func @expand_repeat(%q: !step.stream<[B, 1], tile<8x64xbf16>>,
                         %k: !step.stream<[B, N], tile<32x64xbf16>>,
                         %q2: !step.stream<[B, 1, 1], tile<8x64xbf16>>,
                         %k2: !step.stream<[B, N, ragged<L>], i1>,
                         %t: !step.stream<[C0], tile<16x4096xf32>>)
    -> (!step.stream<[B, N], tile<8x64xbf16>>, !step.stream<[B, N, ragged<L>], tile<8x64xbf16>>,
        !step.stream<[C0, 224], tile<16x4096xf32>>) {
  %e = step.expand %q to %k rank 1 : !step.stream<[B, 1], tile<8x64xbf16>>,
                                     !step.stream<[B, N], tile<32x64xbf16>>
  %e2 = step.expand %q2 to %k2 rank 2 : !step.stream<[B, 1, 1], tile<8x64xbf16>>,
                                        !step.stream<[B, N, ragged<L>], i1>
  %r = step.repeat %t count 224 : !step.stream<[C0], tile<16x4096xf32>>
  return %e, %e2, %r : !step.stream<[B, N], tile<8x64xbf16>>,
      !step.stream<[B, N, ragged<L>], tile<8x64xbf16>>, !step.stream<[C0, 224], tile<16x4096xf32>>
}

// CHECK-LABEL: func.func @zip(
// CHECK-SAME: %[[A:[^:]*]]: !step.stream<[C0], tile<16x64xf32>>,
// CHECK-SAME: %[[B:[^:]*]]: !step.stream<[C0], tile<64x4096xbf16>>,
// CHECK-SAME: %[[S:[^:]*]]: !step.stream<[C0], selector<2>>)
// CHECK: %[[Z:.*]] = step.zip %[[A]], %[[B]] : !step.stream<[C0], tile<16x64xf32>>, !step.stream<[C0], tile<64x4096xbf16>>
// CHECK: %[[Z3:.*]] = step.zip %[[A]], %[[S]], %[[Z]] : !step.stream<[C0], tile<16x64xf32>>, !step.stream<[C0], selector<2>>, !step.stream<[C0], tuple<tile<16x64xf32>, tile<64x4096xbf16>>>
// CHECK: return %[[Z]], %[[Z3]] :
// CHECK-SAME: !step.stream<[C0], tuple<tile<16x64xf32>, tile<64x4096xbf16>>>,
// CHECK-SAME: !step.stream<[C0], tuple<tile<16x64xf32>, selector<2>, tuple<tile<16x64xf32>, tile<64x4096xbf16>>>>{{$}}
func.func @zip(%a: !step.stream<[C0], tile<16x64xf32>>, %b: !step.stream<[C0], tile<64x4096xbf16>>,
               %s: !step.stream<[C0], selector<2>>)
    -> (!step.stream<[C0], tuple<tile<16x64xf32>, tile<64x4096xbf16>>>,
        !step.stream<[C0], tuple<tile<16x64xf32>, selector<2>, tuple<tile<16x64xf32>, tile<64x4096xbf16>>>>) {
  %z = step.zip %a, %b : !step.stream<[C0], tile<16x64xf32>>, !step.stream<[C0], tile<64x4096xbf16>>
  %z3 = step.zip %a, %s, %z : !step.stream<[C0], tile<16x64xf32>>, !step.stream<[C0], selector<2>>,
                              !step.stream<[C0], tuple<tile<16x64xf32>, tile<64x4096xbf16>>>
  return %z, %z3 : !step.stream<[C0], tuple<tile<16x64xf32>, tile<64x4096xbf16>>>,
      !step.stream<[C0], tuple<tile<16x64xf32>, selector<2>, tuple<tile<16x64xf32>, tile<64x4096xbf16>>>>
}

//===----------------------------------------------------------------------===//
// Tile operations
//===----------------------------------------------------------------------===//

// matmul: [M, K] x [K, N] (or [N, K]^T) -> [M, N] in the wider element type;
// element-wise ops broadcast size-1 dims; row reductions give [M, 1].
// CHECK-LABEL: func.func @tile_ops(
// CHECK-SAME: %[[A:[^:]*]]: !step.tile<16x64xf32>,
// CHECK-SAME: %[[B:[^:]*]]: !step.tile<16x64xbf16>,
// CHECK-SAME: %[[C:[^:]*]]: !step.tile<16x1xf32>,
// CHECK-SAME: %[[D:[^:]*]]: !step.tile<[B0, 64], f32>,
// CHECK-SAME: %[[W:[^:]*]]: !step.tile<32x64xbf16>,
// CHECK-SAME: %[[R:[^:]*]]: !step.tile<1x64xbf16>)
// CHECK: %[[MM:.*]] = step.matmul %[[A]], %[[W]] transpose_b : !step.tile<16x64xf32>, !step.tile<32x64xbf16>
// CHECK: %[[DM:.*]] = step.matmul %[[D]], %[[B]] transpose_b : !step.tile<[B0, 64], f32>, !step.tile<16x64xbf16>
// CHECK: %[[ADD:.*]] = step.add %[[A]], %[[B]] : !step.tile<16x64xf32>, !step.tile<16x64xbf16>
// CHECK: %[[SUB:.*]] = step.sub %[[B]], %[[A]] : !step.tile<16x64xbf16>, !step.tile<16x64xf32>
// CHECK: %[[MUL:.*]] = step.mul %[[A]], %[[C]] : !step.tile<16x64xf32>, !step.tile<16x1xf32>
// CHECK: %[[DIV:.*]] = step.div %[[C]], %[[A]] : !step.tile<16x1xf32>, !step.tile<16x64xf32>
// CHECK: %[[BC:.*]] = step.add %[[D]], %[[R]] : !step.tile<[B0, 64], f32>, !step.tile<1x64xbf16>
// CHECK: %[[EXP:.*]] = step.exp %[[B]] : !step.tile<16x64xbf16>
// CHECK: %[[SILU:.*]] = step.silu %[[D]] : !step.tile<[B0, 64], f32>
// CHECK: %[[SUM:.*]] = step.row_sum %[[D]] : !step.tile<[B0, 64], f32>
// CHECK: %[[MAX:.*]] = step.row_max %[[A]] : !step.tile<16x64xf32>
// CHECK: %[[RT:.*]] = step.retile_rows %[[D]], %[[R]] : !step.tile<[B0, 64], f32>, !step.tile<1x64xbf16>
// CHECK: %[[Z:.*]] = step.zeros : !step.tile<[B0, 64], f32>
// CHECK: return %[[MM]], %[[DM]], %[[ADD]], %[[SUB]], %[[MUL]], %[[DIV]], %[[BC]], %[[EXP]], %[[SILU]], %[[SUM]], %[[MAX]], %[[RT]], %[[Z]] :
// CHECK-SAME: !step.tile<16x32xf32>, !step.tile<[B0, 16], f32>,
// CHECK-SAME: !step.tile<16x64xf32>, !step.tile<16x64xf32>, !step.tile<16x64xf32>, !step.tile<16x64xf32>,
// CHECK-SAME: !step.tile<[B0, 64], f32>, !step.tile<16x64xbf16>, !step.tile<[B0, 64], f32>,
// CHECK-SAME: !step.tile<[B0, 1], f32>, !step.tile<16x1xf32>, !step.tile<[B0, 64], f32>, !step.tile<[B0, 64], f32>{{$}}
func.func @tile_ops(%a: !step.tile<16x64xf32>, %b: !step.tile<16x64xbf16>, %c: !step.tile<16x1xf32>,
                    %d: !step.tile<[B0, 64], f32>, %w: !step.tile<32x64xbf16>,
                    %r: !step.tile<1x64xbf16>)
    -> (!step.tile<16x32xf32>, !step.tile<[B0, 16], f32>,
        !step.tile<16x64xf32>, !step.tile<16x64xf32>, !step.tile<16x64xf32>, !step.tile<16x64xf32>,
        !step.tile<[B0, 64], f32>, !step.tile<16x64xbf16>, !step.tile<[B0, 64], f32>,
        !step.tile<[B0, 1], f32>, !step.tile<16x1xf32>, !step.tile<[B0, 64], f32>,
        !step.tile<[B0, 64], f32>) {
  %mm = step.matmul %a, %w transpose_b : !step.tile<16x64xf32>, !step.tile<32x64xbf16>
  %dm = step.matmul %d, %b transpose_b : !step.tile<[B0, 64], f32>, !step.tile<16x64xbf16>
  %add = step.add %a, %b : !step.tile<16x64xf32>, !step.tile<16x64xbf16>
  %sub = step.sub %b, %a : !step.tile<16x64xbf16>, !step.tile<16x64xf32>
  %mul = step.mul %a, %c : !step.tile<16x64xf32>, !step.tile<16x1xf32>
  %div = step.div %c, %a : !step.tile<16x1xf32>, !step.tile<16x64xf32>
  %bc = step.add %d, %r : !step.tile<[B0, 64], f32>, !step.tile<1x64xbf16>
  %exp = step.exp %b : !step.tile<16x64xbf16>
  %silu = step.silu %d : !step.tile<[B0, 64], f32>
  %sum = step.row_sum %d : !step.tile<[B0, 64], f32>
  %max = step.row_max %a : !step.tile<16x64xf32>
  %rt = step.retile_rows %d, %r : !step.tile<[B0, 64], f32>, !step.tile<1x64xbf16>
  %z = step.zeros : !step.tile<[B0, 64], f32>
  return %mm, %dm, %add, %sub, %mul, %div, %bc, %exp, %silu, %sum, %max, %rt, %z
      : !step.tile<16x32xf32>, !step.tile<[B0, 16], f32>,
        !step.tile<16x64xf32>, !step.tile<16x64xf32>, !step.tile<16x64xf32>, !step.tile<16x64xf32>,
        !step.tile<[B0, 64], f32>, !step.tile<16x64xbf16>, !step.tile<[B0, 64], f32>,
        !step.tile<[B0, 1], f32>, !step.tile<16x1xf32>, !step.tile<[B0, 64], f32>,
        !step.tile<[B0, 64], f32>
}
