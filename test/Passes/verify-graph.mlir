// RUN: step-opt %s --split-input-file --step-verify-graph --verify-diagnostics

func.func @shared(%x: !step.stream<[N], tile<1x8xf32>>) {
  // expected-error@+1 {{result #0 has 2 consumers, but a stream has exactly one; run --step-insert-broadcast}}
  %r = step.repeat %x count 2 : !step.stream<[N], tile<1x8xf32>>
  %a = step.flatten %r ranks 0 to 1 : !step.stream<[N, 2], tile<1x8xf32>>
  %b = step.flatten %r ranks 0 to 1 : !step.stream<[N, 2], tile<1x8xf32>>
  step.linear_store %a to "a" [16, 8] : !step.stream<[2 * N], tile<1x8xf32>>
  step.linear_store %b to "b" [16, 8] : !step.stream<[2 * N], tile<1x8xf32>>
  return
}

// -----

func.func @dangling(%x: !step.stream<[N], tile<1x8xf32>>) {
  // expected-error@+1 {{result #0 is never consumed; its FIFO would fill and stall the operator}}
  %r = step.repeat %x count 2 : !step.stream<[N], tile<1x8xf32>>
  return
}

// -----

// Reshape's padding flags may stay unconnected.
func.func @padding_ok(%x: !step.stream<[N], tile<1x8xf32>>) {
  %c, %pad = step.reshape %x rank 0 chunk 4 : !step.stream<[N], tile<1x8xf32>>
  %f = step.flatten %c ranks 0 to 1 : !step.stream<[(N + 3) floordiv 4, 4], tile<1x8xf32>>
  step.linear_store %f to "y" [16, 8] : !step.stream<[4 * ((N + 3) floordiv 4)], tile<1x8xf32>>
  return
}

// -----

func.func @unknown_symbol(%x: !step.stream<[N], tile<16x8xf32>>) {
  // expected-error@+1 {{unknown symbol 'M': it is not minted by a routing operator nor given by a function argument or runtime input}}
  %rows = step.flatmap %x dim "M" : !step.stream<[N], tile<16x8xf32>> {
  ^bb0(%t: !step.tile<16x8xf32>):
    %r = step.split_rows %t drop_padding : !step.tile<16x8xf32>
    step.yield %r : !step.stream<[16], tile<1x8xf32>>
  }
  step.linear_store %rows to "y" [16, 8] : !step.stream<[M], tile<1x8xf32>>
  return
}

// -----

// A feedback edge must be supplied exactly once.
func.func @feedback_unconnected() {
  // expected-error@+1 {{expected exactly one step.feedback_connect supplying this feedback stream, got 0}}
  %fb = step.feedback : !step.stream<[4], tile<1x1xi64>>
  step.sink %fb : !step.stream<[4], tile<1x1xi64>>
  return
}

// -----

func.func @feedback_twice() {
  // expected-error@+1 {{expected exactly one step.feedback_connect supplying this feedback stream, got 2}}
  %fb = step.feedback : !step.stream<[4], tile<1x1xi64>>
  step.sink %fb : !step.stream<[4], tile<1x1xi64>>
  %a = step.metadata_gen "a" : !step.stream<[4], tile<1x1xi64>>
  %b = step.metadata_gen "b" : !step.stream<[4], tile<1x1xi64>>
  step.feedback_connect %a to %fb : !step.stream<[4], tile<1x1xi64>>
  step.feedback_connect %b to %fb : !step.stream<[4], tile<1x1xi64>>
  return
}

// -----

// The connect names the edge, it does not consume it: one consumer here.
func.func @feedback_ok() {
  %fb = step.feedback : !step.stream<[4], tile<1x1xi64>>
  step.sink %fb : !step.stream<[4], tile<1x1xi64>>
  %a = step.metadata_gen "a" : !step.stream<[4], tile<1x1xi64>>
  step.feedback_connect %a to %fb : !step.stream<[4], tile<1x1xi64>>
  return
}
