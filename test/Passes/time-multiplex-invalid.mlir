// Errors of --step-time-multiplex, each naming the op at fault.

// RUN: step-opt %s -split-input-file -verify-diagnostics --step-time-multiplex=regions=3

// No token partition at all.
// expected-error@+1 {{step-time-multiplex: found no MoE token partition}}
module {
  func.func @no_moe(%x: !step.stream<[4], tile<1x8xbf16>>) {
    return
  }
}

// -----

// regions=3 does not divide the two experts.
func.func @two_experts() {
  %0 = step.linear_load "input" [4, 8] as !step.tile<1x8xbf16> view [4, 1]
  %1 = step.flatten %0 ranks 0 to 1 : !step.stream<[1, 4, 1], tile<1x8xbf16>>
  %2 = step.select_gen "routing" : !step.stream<[1, 4], selector<2, hot = 1>>
  // expected-error@+1 {{step-time-multiplex: regions=3 does not divide the 2 experts}}
  %3:2 = step.partition %1 by %2 rank 0 names ["B0", "B1"] : !step.stream<[1, 4], tile<1x8xbf16>>, !step.stream<[1, 4], selector<2, hot = 1>>
  %r0, %p0 = step.reshape %3#0 rank 0 chunk 2 : !step.stream<[B0], tile<1x8xbf16>>
  %t0 = step.accum %r0 rank 1 : !step.stream<[(B0 + 1) floordiv 2, 2], tile<1x8xbf16>> init {
    %z = step.zeros : !step.tile<2x8xf32>
    step.yield %z : !step.tile<2x8xf32>
  } update {
  ^bb0(%a: !step.tile<2x8xf32>, %b: !step.tile<1x8xbf16>):
    %n = step.retile_rows %a, %b : !step.tile<2x8xf32>, !step.tile<1x8xbf16>
    step.yield %n : !step.tile<2x8xf32>
  }
  %r1, %p1 = step.reshape %3#1 rank 0 chunk 2 : !step.stream<[B1], tile<1x8xbf16>>
  %t1 = step.accum %r1 rank 1 : !step.stream<[(B1 + 1) floordiv 2, 2], tile<1x8xbf16>> init {
    %z = step.zeros : !step.tile<2x8xf32>
    step.yield %z : !step.tile<2x8xf32>
  } update {
  ^bb0(%a: !step.tile<2x8xf32>, %b: !step.tile<1x8xbf16>):
    %n = step.retile_rows %a, %b : !step.tile<2x8xf32>, !step.tile<1x8xbf16>
    step.yield %n : !step.tile<2x8xf32>
  }
  return
}
