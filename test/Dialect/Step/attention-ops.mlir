// Round trip of the attention-decode and feedback operators
// (StepAttentionOps.td), with the result types the shape rules infer.

// RUN: step-opt %s | step-opt | FileCheck %s
// RUN: step-opt %s --mlir-print-op-generic | step-opt | FileCheck %s

// CHECK-LABEL: func @addresses
// CHECK: %[[I:.*]] = step.metadata_gen "kv" {derive = "index"}
// CHECK: %[[N:.*]] = step.metadata_gen "kv" {derive = "tiles32"}
// CHECK: step.cache_read_addr_gen %[[I]], %[[N]] row_offset 202 name "N"
// CHECK: step.filter_last_tile %{{.*}} name "N"
func.func @addresses() -> (!step.stream<[64, ragged<N>], tile<1x1xi64>>,
                           !step.stream<[64, ragged<N>], selector<2, hot = 1>>) {
  %i = step.metadata_gen "kv" {derive = "index"} : !step.stream<[64], tile<1x1xi64>>
  %n = step.metadata_gen "kv" {derive = "tiles32"} : !step.stream<[64], tile<1x1xi64>>
  %o = step.metadata_gen "kv" {derive = "offset32"} : !step.stream<[64], tile<1x1xi64>>
  %a = step.cache_read_addr_gen %i, %n row_offset 202 name "N"
         : !step.stream<[64], tile<1x1xi64>>, !step.stream<[64], tile<1x1xi64>>
  %s = step.filter_last_tile %o name "N" : !step.stream<[64], tile<1x1xi64>>
  return %a, %s : !step.stream<[64, ragged<N>], tile<1x1xi64>>,
                  !step.stream<[64, ragged<N>], selector<2, hot = 1>>
}

// CHECK-LABEL: func @plumbing
// CHECK: %[[FB:.*]] = step.feedback : !step.stream<[R0], tile<1x1xi64>>
// CHECK: step.broadcast %{{.*}} count 2 {depths = array<i64: 0, 4>}
// CHECK: step.assume_shape %{{.*}} : !step.stream<[R0], tile<1x1xi64>> to !step.stream<[4], tile<1x1xi64>>
// CHECK: step.sink
// CHECK: step.feedback_connect %{{.*}} to %[[FB]] : !step.stream<[R0], tile<1x1xi64>>
func.func @plumbing(%x: !step.stream<[R0], tile<1x1xi64>>) {
  %fb = step.feedback : !step.stream<[R0], tile<1x1xi64>>
  %b:2 = step.broadcast %fb count 2 {depths = array<i64: 0, 4>} : !step.stream<[R0], tile<1x1xi64>>
  %c = step.assume_shape %b#0 : !step.stream<[R0], tile<1x1xi64>> to !step.stream<[4], tile<1x1xi64>>
  step.sink %c : !step.stream<[4], tile<1x1xi64>>
  step.sink %b#1 : !step.stream<[R0], tile<1x1xi64>>
  step.feedback_connect %x to %fb : !step.stream<[R0], tile<1x1xi64>>
  return
}

// CHECK-LABEL: func @tile_functions
// CHECK: step.set_offset
// CHECK: step.row_append
// CHECK: step.cache_write_addr %{{.*}}, %{{.*}} row_offset 202
// CHECK: step.signal_req_all_read
// CHECK: step.matmul %{{.*}}, %{{.*}} transpose_b
func.func @tile_functions(%t: !step.stream<[4], tile<32x64xbf16>>,
                          %o: !step.stream<[4], tile<1x1xi64>>,
                          %r: !step.stream<[4], tile<1x64xbf16>>,
                          %q: !step.stream<[4], tile<8x64xbf16>>,
                          %k: !step.stream<[4, 8], tile<32x64xbf16>>)
    -> (!step.stream<[4], tile<32x64xbf16>>, !step.stream<[4], tile<1x1xi64>>,
        !step.stream<[4], tile<1x1xi64>>, !step.stream<[4], tile<8x32xbf16>>) {
  %a = step.map %t, %o, %r : !step.stream<[4], tile<32x64xbf16>>, !step.stream<[4], tile<1x1xi64>>,
                             !step.stream<[4], tile<1x64xbf16>> {
  ^bb0(%x: !step.tile<32x64xbf16>, %y: !step.tile<1x1xi64>, %z: !step.tile<1x64xbf16>):
    %s = step.set_offset %x, %y : !step.tile<32x64xbf16>, !step.tile<1x1xi64>
    %w = step.row_append %s, %z : !step.tile<32x64xbf16>, !step.tile<1x64xbf16>
    step.yield %w : !step.tile<32x64xbf16>
  }
  %w = step.map %o, %o : !step.stream<[4], tile<1x1xi64>>, !step.stream<[4], tile<1x1xi64>> {
  ^bb0(%x: !step.tile<1x1xi64>, %y: !step.tile<1x1xi64>):
    %s = step.cache_write_addr %x, %y row_offset 202 : !step.tile<1x1xi64>, !step.tile<1x1xi64>
    step.yield %s : !step.tile<1x1xi64>
  }
  %c = step.accum %k rank 1 : !step.stream<[4, 8], tile<32x64xbf16>> init {
    %z = step.zeros : !step.tile<1x1xi64>
    step.yield %z : !step.tile<1x1xi64>
  } update {
  ^bb0(%acc: !step.tile<1x1xi64>, %x: !step.tile<32x64xbf16>):
    %n = step.signal_req_all_read %acc, %x : !step.tile<1x1xi64>, !step.tile<32x64xbf16>
    step.yield %n : !step.tile<1x1xi64>
  }
  %m = step.map %q, %t : !step.stream<[4], tile<8x64xbf16>>, !step.stream<[4], tile<32x64xbf16>> {
  ^bb0(%x: !step.tile<8x64xbf16>, %y: !step.tile<32x64xbf16>):
    %p = step.matmul %x, %y transpose_b : !step.tile<8x64xbf16>, !step.tile<32x64xbf16>
    step.yield %p : !step.tile<8x32xbf16>
  }
  return %a, %w, %c, %m : !step.stream<[4], tile<32x64xbf16>>, !step.stream<[4], tile<1x1xi64>>,
                          !step.stream<[4], tile<1x1xi64>>, !step.stream<[4], tile<8x32xbf16>>
}
