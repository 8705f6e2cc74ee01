// Diagnostics of step.expert_addr_gen and of eager_merge on dynamic tiles.

// RUN: step-opt %s -split-input-file -verify-diagnostics

func.func @multi_hot(%s: !step.stream<[64], selector<8, hot = 2>>) {
  // expected-error@+1 {{'step.expert_addr_gen' op expected 'sel' to carry one-hot selectors (selector<N, hot = 1>), got '!step.selector<8, hot = 2>'}}
  %a = step.expert_addr_gen %s tiles 16 : !step.stream<[64], selector<8, hot = 2>>
  return
}

// -----

func.func @not_selector(%s: !step.stream<[64], tile<1x1xi64>>) {
  // expected-error@+1 {{'step.expert_addr_gen' op expected 'sel' to carry one-hot selectors (selector<N, hot = 1>), got '!step.tile<1x1xi64>'}}
  %a = step.expert_addr_gen %s tiles 16 : !step.stream<[64], tile<1x1xi64>>
  return
}

// -----

func.func @zero_tiles(%s: !step.stream<[64], selector<8, hot = 1>>) {
  // expected-error@+1 {{'step.expert_addr_gen' op expected 'tiles' to be at least 1, got 0}}
  %a = step.expert_addr_gen %s tiles 0 : !step.stream<[64], selector<8, hot = 1>>
  return
}

// -----

func.func @not_stream(%s: i32) {
  // expected-error@+1 {{'step.expert_addr_gen' op expected operand #0 to be a step stream, got 'i32'}}
  %a = step.expert_addr_gen %s tiles 16 : i32
  return
}

// -----

// Tiles may differ in their rows only: not in their columns.
func.func @merge_cols(%a: !step.stream<[1], tile<[B0, 64], f32>>, %b: !step.stream<[1], tile<[B1, 32], f32>>) {
  // expected-error@+1 {{'step.eager_merge' op expected input #1 to carry '!step.tile<[B0, 64], f32>' like input #0, got '!step.tile<[B1, 32], f32>'}}
  %m, %s = step.eager_merge %a, %b rank 0 : !step.stream<[1], tile<[B0, 64], f32>>, !step.stream<[1], tile<[B1, 32], f32>>
  return
}

// -----

func.func @merge_dynamic_inner(%a: !step.stream<[1, 2], tile<[B0, 64], f32>>, %b: !step.stream<[1, 3], tile<[B1, 64], f32>>) {
  // expected-error@+1 {{'step.eager_merge' op expected input #1 to have rank 1 and the inner dims of input #0 [2], got [1, 3]}}
  %m, %s = step.eager_merge %a, %b rank 1 : !step.stream<[1, 2], tile<[B0, 64], f32>>, !step.stream<[1, 3], tile<[B1, 64], f32>>
  return
}
