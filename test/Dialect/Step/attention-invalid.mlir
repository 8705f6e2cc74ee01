// One case per diagnostic of the attention-decode and feedback operators.

// RUN: step-opt %s -split-input-file -verify-diagnostics

func.func @bad_derive() {
  // expected-error @+1 {{expected 'derive' to be "index", "tiles<N>" or "offset<N>" with N > 0, got "tiles0"}}
  %i = step.metadata_gen "kv" {derive = "tiles0"} : !step.stream<[64], tile<1x1xi64>>
  return
}

// -----

func.func @addr_not_int(%i: !step.stream<[4], tile<1x1xi64>>, %n: !step.stream<[4], tile<1x1xf32>>) {
  // expected-error @+1 {{'step.cache_read_addr_gen' op expected operand #1 to carry integers (a scalar or a 1x1 integer tile), got '!step.tile<1x1xf32>'}}
  %a = step.cache_read_addr_gen %i, %n row_offset 2 name "N" : !step.stream<[4], tile<1x1xi64>>, !step.stream<[4], tile<1x1xf32>>
  return
}

// -----

func.func @addr_shapes(%i: !step.stream<[4], tile<1x1xi64>>, %n: !step.stream<[5], tile<1x1xi64>>) {
  // expected-error @+1 {{'step.cache_read_addr_gen' op expected operand #1 to have the shape [4] of operand #0, got [5]}}
  %a = step.cache_read_addr_gen %i, %n row_offset 2 name "N" : !step.stream<[4], tile<1x1xi64>>, !step.stream<[5], tile<1x1xi64>>
  return
}

// -----

func.func @bad_name(%n: !step.stream<[4], tile<1x1xi64>>) {
  // expected-error @+1 {{'step.filter_last_tile' op '1x' is not a valid symbol name}}
  %s = step.filter_last_tile %n name "1x" : !step.stream<[4], tile<1x1xi64>>
  return
}

// -----

func.func @connect_not_feedback(%x: !step.stream<[4], i64>, %y: !step.stream<[4], i64>) {
  // expected-error @+1 {{expected 'feedback' to be the result of a step.feedback}}
  step.feedback_connect %x to %y : !step.stream<[4], i64>
  return
}

// -----

func.func @assume_element(%x: !step.stream<[R], i64>) {
  // expected-error @+1 {{expected the result to carry 'i64' like the input, got 'i32'}}
  %y = step.assume_shape %x : !step.stream<[R], i64> to !step.stream<[4], i32>
  return
}

// -----

func.func @assume_rank(%x: !step.stream<[R], i64>) {
  // expected-error @+1 {{expected the result to have rank 0 like the input [R], got [4, 1]}}
  %y = step.assume_shape %x : !step.stream<[R], i64> to !step.stream<[4, 1], i64>
  return
}

// -----

func.func @depths_count(%x: !step.stream<[4], i64>) {
  // expected-error @+1 {{expected one depth per result (2), got 3}}
  %b:2 = step.broadcast %x count 2 {depths = array<i64: 1, 2, 3>} : !step.stream<[4], i64>
  return
}

// -----

func.func @depths_negative(%x: !step.stream<[4], i64>) {
  // expected-error @+1 {{expected depths >= 0, got -1}}
  %b:2 = step.broadcast %x count 2 {depths = array<i64: 1, -1>} : !step.stream<[4], i64>
  return
}

// -----

func.func @append_row(%t: !step.tile<32x64xbf16>, %r: !step.tile<2x64xbf16>) {
  // expected-error @+1 {{expected 'row' to be one row of 64 columns, got '!step.tile<2x64xbf16>'}}
  %a = step.row_append %t, %r : !step.tile<32x64xbf16>, !step.tile<2x64xbf16>
  return
}

// -----

func.func @offset_not_int(%t: !step.tile<32x64xbf16>, %o: !step.tile<1x1xf32>) {
  // expected-error @+1 {{expected 'offset' to be an integer (a scalar or a 1x1 integer tile), got '!step.tile<1x1xf32>'}}
  %a = step.set_offset %t, %o : !step.tile<32x64xbf16>, !step.tile<1x1xf32>
  return
}

// -----

func.func @write_addr_not_int(%i: !step.tile<1x1xi64>, %n: !step.tile<2x1xi64>) {
  // expected-error @+1 {{'step.cache_write_addr' op expected integers (a scalar or a 1x1 integer tile), got '!step.tile<2x1xi64>'}}
  %a = step.cache_write_addr %i, %n row_offset 2 : !step.tile<1x1xi64>, !step.tile<2x1xi64>
  return
}

// -----

func.func @signal_acc(%a: !step.tile<2x2xi64>, %t: !step.tile<32x64xbf16>) {
  // expected-error @+1 {{expected the accumulator to be a 1x1 integer tile}}
  %n = step.signal_req_all_read %a, %t : !step.tile<2x2xi64>, !step.tile<32x64xbf16>
  return
}

// -----

func.func @slice_odd() {
  // expected-error @+1 {{expected 'slice' to hold (start, count) pairs}}
  %i = step.metadata_gen "kv" {slice = array<i64: 0, 2, 4>} : !step.stream<[2], tile<1x1xi64>>
  return
}

// -----

func.func @slice_count() {
  // expected-error @+1 {{expected the result to have as many elements as the slices' total count 4}}
  %i = step.metadata_gen "kv" {slice = array<i64: 0, 2, 6, 2>} : !step.stream<[2], tile<1x1xi64>>
  return
}

// -----

func.func @slice_empty() {
  // expected-error @+1 {{expected slices with start >= 0 and count >= 1}}
  %i = step.metadata_gen "kv" {slice = array<i64: 0, 0>} : !step.stream<[2], tile<1x1xi64>>
  return
}

// -----

func.func @targets_range() {
  // expected-error @+1 {{target 4 is outside [0, 4)}}
  %s = step.select_gen "rr" {targets = array<i64: 0, 4>} : !step.stream<[2], selector<4, hot = 1>>
  return
}

// -----

func.func @targets_shape() {
  // expected-error @+1 {{expected inline 'targets' to give a stream [n] or [1, n] of 2 one-hot selectors}}
  %s = step.select_gen "rr" {targets = array<i64: 0, 1>} : !step.stream<[3], selector<4, hot = 1>>
  return
}
