// One case per diagnostic of the step types and operators. Inference errors
// are reported at the op as "'step.<op>' op ...". The custom parsers infer
// result types before the ODS constraints on attributes and operand types
// are checked, so inference checks the values it indexes, divides or
// allocates with itself; those cases (written in the custom form) used to
// crash step-opt.

// RUN: step-opt %s -split-input-file -verify-diagnostics

//===----------------------------------------------------------------------===//
// Dimensions
//===----------------------------------------------------------------------===//

// expected-error@+1 {{'floordiv' is not a valid symbol name}}
func.func private @bad_symbol(!step.stream<[floordiv], i1>)

// -----

// expected-error@+1 {{max needs at least two arguments}}
func.func private @max_one_arg(!step.stream<[max(B0)], i1>)

// -----

// expected-error@+1 {{expected a dimension: an integer, a symbol, '(', 'max(' or 'ragged<'}}
func.func private @empty_ragged(!step.stream<[ragged<>], i1>)

// -----

// MLIR lexes `- 3` as an integer, so only constants can be subtracted;
// `B0 - C0` is written `B0 + -1 * C0`.
// expected-error@+1 {{expected integer value}}
func.func private @minus_symbol(!step.stream<[B0 - C0], i1>)

// -----

// expected-error@+1 {{integer value too large}}
func.func private @giant_integer(!step.stream<[99999999999999999999], i1>)

// -----

// expected-error@+1 {{stream dimension must be non-negative, got -2}}
func.func private @negative_dim(!step.stream<[4, 3 - 5], i1>)

// -----

// expected-error@+1 {{stream dimension 'B0 floordiv 0' divides by zero}}
func.func private @divide_by_zero(!step.stream<[B0 floordiv 0], i1>)

// -----

// expected-error@+1 {{stream dimension '1 + 9223372036854775807' overflows int64}}
func.func private @overflow(!step.stream<[9223372036854775807 + 1], i1>)

// -----

// A stack overflow before the nesting limit.
// expected-error@+1 {{dimension expression nested more than 256 levels deep}}
func.func private @deep(!step.stream<[((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((B0))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))], i1>)

// -----

//===----------------------------------------------------------------------===//
// Types
//===----------------------------------------------------------------------===//

// expected-error@+1 {{a stream has at least one dimension (rank 0)}}
func.func private @no_dims(!step.stream<[], i1>)

// -----

// expected-error@+1 {{expected a stream element type (tile, selector, buffer, tuple, scalar, crd or ref), got 'index'}}
func.func private @bad_element(!step.stream<[4], index>)

// -----

// expected-error@+1 {{expected a stream element type (tile, selector, buffer, tuple, scalar, crd or ref), got '!step.stream<[4], i1>'}}
func.func private @stream_of_streams(!step.stream<[4], !step.stream<[4], i1>>)

// -----

// expected-error@+1 {{a tile has exactly two dimensions, got 3}}
func.func private @tile_3d(!step.tile<16x4096x2xbf16>)

// -----

// expected-error@+1 {{tile dimensions cannot be ragged, got [ragged<R>, 4]}}
func.func private @ragged_tile(!step.tile<[ragged<R>, 4], f32>)

// -----

// expected-error@+1 {{tile rows must be non-negative, got -1}}
func.func private @negative_tile(!step.tile<[-1, 4], f32>)

// -----

// expected-error@+1 {{tile cols '4 ceildiv 0' divides by zero}}
func.func private @tile_divide_by_zero(!step.tile<[4, 4 ceildiv 0], f32>)

// -----

// expected-error@+1 {{tile element must be an integer or float type, got 'index'}}
func.func private @tile_index(!step.tile<[B0, 4], index>)

// -----

// expected-error@+1 {{selector width must be at least 1, got 0}}
func.func private @selector_zero(!step.selector<0>)

// -----

// expected-error@+1 {{selector hot count must be in [0, 2] (0 = any), got 3}}
func.func private @hot_too_large(!step.selector<2, hot = 3>)

// -----

// expected-error@+1 {{a buffer needs at least one dimension}}
func.func private @buffer_no_dims(!step.buffer<[], tile<1x4xf32>>)

// -----

// expected-error@+1 {{only the outermost buffer dimension may be ragged, got [4, ragged<R>]}}
func.func private @buffer_inner_ragged(!step.buffer<[4, ragged<R>], tile<1x4xf32>>)

// -----

// expected-error@+1 {{buffer dimension must be non-negative, got -4}}
func.func private @buffer_negative(!step.buffer<[-4], tile<1x4xf32>>)

// -----

// expected-error@+1 {{buffer elements must be tiles, got 'i32'}}
func.func private @buffer_of_scalars(!step.buffer<[4], i32>)

// -----

// expected-error@+1 {{expected memory level 'onchip' or 'offchip', got 'l2'}}
func.func private @memory_level(!step.buffer<[4], tile<1x4xf32>, l2>)

// -----

// expected-error@+1 {{a tuple needs at least two elements, got 1}}
func.func private @tuple_of_one(!step.tuple<i1>)

// -----

//===----------------------------------------------------------------------===//
// Operands and attributes checked before inference (custom form)
//===----------------------------------------------------------------------===//

func.func @stream_operand(%x: i32) {
  // expected-error@+1 {{'step.bufferize' op expected operand #0 to be a step stream, got 'i32'}}
  %b = step.bufferize %x rank 1 : i32
  return
}

// -----

func.func @variadic_operand(%a: !step.stream<[A], tile<1x4xf32>>, %x: i32) {
  // expected-error@+1 {{'step.eager_merge' op expected operand #1 to be a step stream, got 'i32'}}
  %m, %s = step.eager_merge %a, %x rank 0 : !step.stream<[A], tile<1x4xf32>>, i32
  return
}

// -----

func.func @tile_operand(%x: i32) {
  // expected-error@+1 {{'step.row_sum' op expected operand #0 to be a step tile, got 'i32'}}
  %s = step.row_sum %x : i32
  return
}

// -----

func.func @tile_attr() {
  // expected-error@+1 {{'step.linear_load' op expected 'tile' to be a !step.tile type, got 'i32'}}
  %a = step.linear_load "w" [64, 64] as i32 view [1, 1]
  return
}

// -----

func.func @bufferize_rank(%x: !step.stream<[4, 16], tile<16x64xbf16>>) {
  // expected-error@+1 {{'step.bufferize' op expected 'rank' to be at least 1, got -1}}
  %b = step.bufferize %x rank -1 : !step.stream<[4, 16], tile<16x64xbf16>>
  return
}

// -----

func.func @partition_rank(%x: !step.stream<[4, 16], tile<16x64xbf16>>,
                          %s: !step.stream<[4, 16], selector<2>>) {
  // expected-error@+1 {{'step.partition' op expected 'rank' to be at least 0, got -1}}
  %p:2 = step.partition %x by %s rank -1 names ["A", "B"]
           : !step.stream<[4, 16], tile<16x64xbf16>>, !step.stream<[4, 16], selector<2>>
  return
}

// -----

func.func @reassemble_rank(%a: !step.stream<[A], tile<1x4xf32>>,
                           %s: !step.stream<[4], selector<1, hot = 1>>) {
  // expected-error@+1 {{'step.reassemble' op expected 'rank' to be at least 0, got -1}}
  %y = step.reassemble %a by %s rank -1
         : (!step.stream<[A], tile<1x4xf32>>), !step.stream<[4], selector<1, hot = 1>>
  return
}

// -----

func.func @broadcast_count(%x: !step.stream<[4], tile<16x64xbf16>>) {
  // expected-error@+1 {{'step.broadcast' op expected 'count' to be in [2, 65536], got 100000000000}}
  %b:2 = step.broadcast %x count 100000000000 : !step.stream<[4], tile<16x64xbf16>>
  return
}

// -----

func.func @broadcast_negative_count(%x: !step.stream<[4], tile<16x64xbf16>>) {
  // expected-error@+1 {{'step.broadcast' op expected 'count' to be in [2, 65536], got -1}}
  %b:2 = step.broadcast %x count -1 : !step.stream<[4], tile<16x64xbf16>>
  return
}

// -----

func.func @parallelize_count(%x: !step.stream<[4, 16], tile<16x64xbf16>>) {
  // expected-error@+1 {{'step.parallelize' op expected 'count' to be in [2, 65536], got 1}}
  %p = step.parallelize %x rank 1 count 1 : !step.stream<[4, 16], tile<16x64xbf16>>
  return
}

// -----

func.func @parallelize_rank(%x: !step.stream<[4, 16], tile<16x64xbf16>>) {
  // expected-error@+1 {{'step.parallelize' op expected 'rank' to be at least 0, got -1}}
  %p:2 = step.parallelize %x rank -1 count 2 : !step.stream<[4, 16], tile<16x64xbf16>>
  return
}

// -----

func.func @flatten_min(%x: !step.stream<[4, 16], tile<16x64xbf16>>) {
  // expected-error@+1 {{'step.flatten' op expected 'min' to be at least 0, got -1}}
  %f = step.flatten %x ranks -1 to 1 : !step.stream<[4, 16], tile<16x64xbf16>>
  return
}

// -----

func.func @reshape_rank(%x: !step.stream<[4, 16], tile<16x64xbf16>>) {
  // expected-error@+1 {{'step.reshape' op expected 'rank' to be at least 0, got -1}}
  %r, %p = step.reshape %x rank -1 chunk 2 : !step.stream<[4, 16], tile<16x64xbf16>>
  return
}

// -----

// Used to divide by zero.
func.func @reshape_chunk(%x: !step.stream<[4, 16], tile<16x64xbf16>>) {
  // expected-error@+1 {{'step.reshape' op expected 'chunk' to be at least 1, got 0}}
  %r, %p = step.reshape %x rank 1 chunk 0 : !step.stream<[4, 16], tile<16x64xbf16>>
  return
}

// -----

func.func @promote_rank(%x: !step.stream<[4, 16], tile<16x64xbf16>>) {
  // expected-error@+1 {{'step.promote' op expected 'rank' to be at least 1, got 0}}
  %p = step.promote %x rank 0 : !step.stream<[4, 16], tile<16x64xbf16>>
  return
}

// -----

func.func @expand_rank(%x: !step.stream<[4, 1], tile<16x64xbf16>>,
                       %y: !step.stream<[4, 16], tile<16x64xbf16>>) {
  // expected-error@+1 {{'step.expand' op expected 'rank' to be at least 1, got -1}}
  %e = step.expand %x to %y rank -1 : !step.stream<[4, 1], tile<16x64xbf16>>,
                                      !step.stream<[4, 16], tile<16x64xbf16>>
  return
}

// -----

func.func @repeat_count(%x: !step.stream<[4], tile<16x64xbf16>>) {
  // expected-error@+1 {{'step.repeat' op expected 'count' to be at least 1, got -3}}
  %r = step.repeat %x count -3 : !step.stream<[4], tile<16x64xbf16>>
  return
}

// -----

func.func @streamify_repeat_rank(%b: !step.stream<[4], buffer<[16], tile<16x64xbf16>>>,
                                 %r: !step.stream<[4], tile<1x1xi64>>) {
  // expected-error@+1 {{'step.streamify' op expected 'repeat_rank' to be at least 1, got -1}}
  %s = step.streamify %b ref %r rank -1 : !step.stream<[4], buffer<[16], tile<16x64xbf16>>>,
         !step.stream<[4], tile<1x1xi64>>
  return
}

// -----

func.func @accum_rank(%x: !step.stream<[4, 8], tile<1x64xf32>>) {
  // expected-error@+1 {{'step.accum' op expected 'rank' to be at least 1, got -1}}
  %a = step.accum %x rank -1 : !step.stream<[4, 8], tile<1x64xf32>> init {
    %z = step.zeros : !step.tile<1x64xf32>
    step.yield %z : !step.tile<1x64xf32>
  } update {
  ^bb0(%acc: !step.tile<1x64xf32>, %v: !step.tile<1x64xf32>):
    step.yield %acc : !step.tile<1x64xf32>
  }
  return
}

// -----

// The generic form checks the ODS constraints before inference, and reports
// an inference failure a second time.
func.func @ods_constraint(%x: !step.stream<[4, 16], tile<16x64xbf16>>) {
  // expected-error@+1 {{'step.bufferize' op attribute 'rank' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %b = "step.bufferize"(%x) <{rank = -1 : i64}> : (!step.stream<[4, 16], tile<16x64xbf16>>) -> !step.stream<[4], buffer<[16], tile<16x64xbf16>>>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Off-chip memory operators
//===----------------------------------------------------------------------===//

func.func @load_rank1() {
  // expected-error@+1 {{'step.linear_load' op expected a tensor of rank >= 2, got rank 1}}
  %a = step.linear_load "w" [64] as !step.tile<1x64xf32> view [1]
  return
}

// -----

func.func @load_dynamic_tile() {
  // expected-error@+1 {{'step.linear_load' op off-chip tiles must have a static shape, got '!step.tile<[B0, 64], f32>'}}
  %a = step.linear_load "w" [64, 64] as !step.tile<[B0, 64], f32> view [1, 1]
  return
}

// -----

func.func @load_zero_dim() {
  // expected-error@+1 {{'step.linear_load' op expected positive tensor dims, got [0, 64]}}
  %a = step.linear_load "w" [0, 64] as !step.tile<1x64xf32> view [1, 1]
  return
}

// -----

func.func @load_tile_divides() {
  // expected-error@+1 {{'step.linear_load' op tile 16x64 does not divide the tensor's trailing dims 40x64}}
  %a = step.linear_load "w" [40, 64] as !step.tile<16x64xf32> view [1, 1]
  return
}

// -----

func.func @load_too_many_tiles() {
  // expected-error@+1 {{'step.linear_load' op the tensor [3037000500, 3037000500, 4] has more tiles than int64 can count}}
  %a = step.linear_load "w" [3037000500, 3037000500, 4] as !step.tile<1x1xf32> view [1]
  return
}

// -----

func.func @load_view_rank() {
  // expected-error@+1 {{'step.linear_load' op expected 1 to 2 view dims without 'stride', got 3}}
  %a = step.linear_load "w" [64, 64] as !step.tile<16x64xf32> view [1, 1, 1]
  return
}

// -----

func.func @load_view_positive() {
  // expected-error@+1 {{'step.linear_load' op expected positive view dims, got [4, 0]}}
  %a = step.linear_load "w" [64, 64] as !step.tile<16x16xf32> view [4, 0]
  return
}

// -----

func.func @load_stride_count() {
  // expected-error@+1 {{'step.linear_load' op expected 2 strides (one per view dim), got 1}}
  %a = step.linear_load "w" [64, 64] as !step.tile<16x16xf32> view [4, 4] stride [1]
  return
}

// -----

func.func @load_view_exceeds_grid() {
  // expected-error@+1 {{'step.linear_load' op view dim 1 (5) exceeds the tile grid dim (4); give an explicit stride}}
  %a = step.linear_load "w" [64, 64] as !step.tile<16x16xf32> view [1, 5]
  return
}

// -----

func.func @load_negative_stride() {
  // expected-error@+1 {{'step.linear_load' op expected non-negative strides, got [4, -1]}}
  %a = step.linear_load "w" [64, 64] as !step.tile<16x16xf32> view [4, 4] stride [4, -1]
  return
}

// -----

func.func @load_view_overflow() {
  // expected-error@+1 {{'step.linear_load' op the view [3, 1] with strides [4611686018427387904, 0] reads beyond the tensor's 16 tiles}}
  %a = step.linear_load "w" [64, 64] as !step.tile<16x16xf32> view [3, 1] stride [4611686018427387904, 0]
  return
}

// -----

func.func @load_out_of_bounds() {
  // expected-error@+1 {{'step.linear_load' op the view reads tile 16 but the tensor has only 16 tiles}}
  %a = step.linear_load "w" [64, 64] as !step.tile<16x16xf32> view [2, 2] stride [8, 8]
  return
}

// -----

func.func @store_tiles(%x: !step.stream<[4], i32>) {
  // expected-error@+1 {{'step.linear_store' op expected 'input' to carry tiles, got 'i32'}}
  step.linear_store %x to "o" [4, 2] : !step.stream<[4], i32>
  return
}

// -----

func.func @store_size(%x: !step.stream<[1, 3], tile<1x2xf32>>) {
  // expected-error@+1 {{'step.linear_store' op expected 'input' to hold the tensor's 4 tiles, got 3 (shape [1, 3])}}
  step.linear_store %x to "o" [4, 2] : !step.stream<[1, 3], tile<1x2xf32>>
  return
}

// -----

func.func @random_load_addr(%a: !step.stream<[N], tile<1x2xi64>>) {
  // expected-error@+1 {{'step.random_load' op expected 'addr' to carry integer tile indices (an integer or a 1x1 integer tile), got '!step.tile<1x2xi64>'}}
  %w = step.random_load "w" [64, 64] as !step.tile<16x16xf32> addr %a : !step.stream<[N], tile<1x2xi64>>
  return
}

// -----

func.func @random_store_addr(%a: !step.stream<[B], f32>, %d: !step.stream<[B], tile<1x64xbf16>>) {
  // expected-error@+1 {{'step.random_store' op expected 'addr' to carry integer tile indices, got 'f32'}}
  %ack = step.random_store "kv" [64, 64] addr %a : !step.stream<[B], f32>
           data %d : !step.stream<[B], tile<1x64xbf16>>
  return
}

// -----

func.func @random_store_data(%a: !step.stream<[B], i64>, %d: !step.stream<[B], i1>) {
  // expected-error@+1 {{'step.random_store' op expected 'data' to carry tiles, got 'i1'}}
  %ack = step.random_store "kv" [64, 64] addr %a : !step.stream<[B], i64>
           data %d : !step.stream<[B], i1>
  return
}

// -----

func.func @random_store_shapes(%a: !step.stream<[B], i64>, %d: !step.stream<[C], tile<1x64xbf16>>) {
  // expected-error@+1 {{'step.random_store' op expected 'addr' [B] and 'data' [C] to have the same shape}}
  %ack = step.random_store "kv" [64, 64] addr %a : !step.stream<[B], i64>
           data %d : !step.stream<[C], tile<1x64xbf16>>
  return
}

// -----

//===----------------------------------------------------------------------===//
// On-chip memory operators
//===----------------------------------------------------------------------===//

func.func @bufferize_tiles(%x: !step.stream<[4, 16], i1>) {
  // expected-error@+1 {{'step.bufferize' op expected 'input' to carry tiles, got 'i1'}}
  %b = step.bufferize %x rank 1 : !step.stream<[4, 16], i1>
  return
}

// -----

func.func @bufferize_too_deep(%x: !step.stream<[4, 16], tile<16x64xbf16>>) {
  // expected-error@+1 {{'step.bufferize' op rank 2 must be below the number of dims of 'input' [4, 16]}}
  %b = step.bufferize %x rank 2 : !step.stream<[4, 16], tile<16x64xbf16>>
  return
}

// -----

func.func @bufferize_inner_ragged(%x: !step.stream<[A, 4, ragged<R>], tile<1x64xf32>>) {
  // expected-error@+1 {{'step.bufferize' op only the outermost buffered dim may be ragged, got buffered dims [4, ragged<R>]}}
  %b = step.bufferize %x rank 2 : !step.stream<[A, 4, ragged<R>], tile<1x64xf32>>
  return
}

// -----

func.func @streamify_buffers(%x: !step.stream<[4], tile<16x64xbf16>>) {
  // expected-error@+1 {{'step.streamify' op expected 'input' to carry buffers, got '!step.tile<16x64xbf16>'}}
  %s = step.streamify %x : !step.stream<[4], tile<16x64xbf16>>
  return
}

// -----

func.func @streamify_both(%b: !step.stream<[4], buffer<[16], tile<16x64xbf16>>>,
                          %r: !step.stream<[4, N], tile<1x1xi64>>) {
  // expected-error@+1 {{'step.streamify' op takes either 'repeat' or 'ref', not both}}
  %s = step.streamify %b repeat [2] ref %r rank 1 : !step.stream<[4], buffer<[16], tile<16x64xbf16>>>,
         !step.stream<[4, N], tile<1x1xi64>>
  return
}

// -----

func.func @streamify_ref_no_rank(%b: !step.stream<[4], buffer<[16], tile<16x64xbf16>>>,
                                 %r: !step.stream<[4, N], tile<1x1xi64>>) {
  // expected-error@+2 {{'step.streamify' op with 'ref' needs a repeat rank}}
  // expected-error@+1 {{'step.streamify' op failed to infer returned types}}
  %s = "step.streamify"(%b, %r) : (!step.stream<[4], buffer<[16], tile<16x64xbf16>>>,
         !step.stream<[4, N], tile<1x1xi64>>) -> !step.stream<[4, N, 16], tile<16x64xbf16>>
  return
}

// -----

func.func @streamify_rank_no_ref(%b: !step.stream<[4], buffer<[16], tile<16x64xbf16>>>) {
  // expected-error@+2 {{'step.streamify' op a repeat rank needs a 'ref' stream}}
  // expected-error@+1 {{'step.streamify' op failed to infer returned types}}
  %s = "step.streamify"(%b) <{repeat_rank = 1 : i64}> : (!step.stream<[4], buffer<[16], tile<16x64xbf16>>>)
         -> !step.stream<[4, 16], tile<16x64xbf16>>
  return
}

// -----

func.func @streamify_ref_shape(%b: !step.stream<[4], buffer<[16], tile<16x64xbf16>>>,
                               %r: !step.stream<[5, N], tile<1x1xi64>>) {
  // expected-error@+1 {{'step.streamify' op expected 'ref' to have the shape [4] of 'input' followed by 1 more dims, got [5, N]}}
  %s = step.streamify %b ref %r rank 1 : !step.stream<[4], buffer<[16], tile<16x64xbf16>>>,
         !step.stream<[5, N], tile<1x1xi64>>
  return
}

// -----

func.func @streamify_repeat(%b: !step.stream<[4], buffer<[16], tile<16x64xbf16>>>) {
  // expected-error@+1 {{'step.streamify' op repeat counts must be positive, got 0}}
  %s = step.streamify %b repeat [2, 0] : !step.stream<[4], buffer<[16], tile<16x64xbf16>>>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Dynamic routing and merging
//===----------------------------------------------------------------------===//

func.func @partition_sel(%x: !step.stream<[4], tile<1x64xf32>>, %s: !step.stream<[4], i1>) {
  // expected-error@+1 {{'step.partition' op expected 'sel' to carry selectors, got 'i1'}}
  %p:2 = step.partition %x by %s rank 0 names ["A", "B"]
           : !step.stream<[4], tile<1x64xf32>>, !step.stream<[4], i1>
  return
}

// -----

func.func @partition_rank_too_big(%x: !step.stream<[4], tile<1x64xf32>>, %s: !step.stream<[4], selector<2>>) {
  // expected-error@+1 {{'step.partition' op rank 1 must be below the number of dims of 'input' [4]}}
  %p:2 = step.partition %x by %s rank 1 names ["A", "B"]
           : !step.stream<[4], tile<1x64xf32>>, !step.stream<[4], selector<2>>
  return
}

// -----

func.func @partition_sel_shape(%x: !step.stream<[4, 8], tile<1x64xf32>>, %s: !step.stream<[4, 8], selector<2>>) {
  // expected-error@+1 {{'step.partition' op expected 'sel' to have the outer dims [4] of 'input' [4, 8], got [4, 8]}}
  %p:2 = step.partition %x by %s rank 1 names ["A", "B"]
           : !step.stream<[4, 8], tile<1x64xf32>>, !step.stream<[4, 8], selector<2>>
  return
}

// -----

func.func @partition_names(%x: !step.stream<[4], tile<1x64xf32>>, %s: !step.stream<[4], selector<3>>) {
  // expected-error@+1 {{'step.partition' op expected one name per output (3 for '!step.selector<3>'), got 2}}
  %p:2 = step.partition %x by %s rank 0 names ["A", "B"]
           : !step.stream<[4], tile<1x64xf32>>, !step.stream<[4], selector<3>>
  return
}

// -----

// Used to crash (a cast of an integer attribute to a string).
func.func @partition_name_kind(%x: !step.stream<[4], tile<1x64xf32>>, %s: !step.stream<[4], selector<2>>) {
  // expected-error@+1 {{'step.partition' op expected 'names' to hold strings, got 1 : i64}}
  %p:2 = step.partition %x by %s rank 0 names [1, 2]
           : !step.stream<[4], tile<1x64xf32>>, !step.stream<[4], selector<2>>
  return
}

// -----

func.func @partition_bad_name(%x: !step.stream<[4], tile<1x64xf32>>, %s: !step.stream<[4], selector<2>>) {
  // expected-error@+1 {{'step.partition' op '0B' is not a valid symbol name}}
  %p:2 = step.partition %x by %s rank 0 names ["A", "0B"]
           : !step.stream<[4], tile<1x64xf32>>, !step.stream<[4], selector<2>>
  return
}

// -----

func.func @reassemble_sel(%a: !step.stream<[A], tile<1x4xf32>>, %s: !step.stream<[4], i1>) {
  // expected-error@+1 {{'step.reassemble' op expected 'sel' to carry selectors, got 'i1'}}
  %y = step.reassemble %a by %s rank 0 : (!step.stream<[A], tile<1x4xf32>>), !step.stream<[4], i1>
  return
}

// -----

func.func @reassemble_width(%a: !step.stream<[A], tile<1x4xf32>>, %s: !step.stream<[4], selector<2, hot = 1>>) {
  // expected-error@+1 {{'step.reassemble' op expected 2 inputs for '!step.selector<2, hot = 1>', got 1}}
  %y = step.reassemble %a by %s rank 0
         : (!step.stream<[A], tile<1x4xf32>>), !step.stream<[4], selector<2, hot = 1>>
  return
}

// -----

func.func @reassemble_input_rank(%a: !step.stream<[A, 2], tile<1x4xf32>>, %b: !step.stream<[B], tile<1x4xf32>>,
                                 %s: !step.stream<[4], selector<2, hot = 1>>) {
  // expected-error@+1 {{'step.reassemble' op expected input #0 to have rank 0 (1 dims), got [A, 2]}}
  %y = step.reassemble %a, %b by %s rank 0
         : (!step.stream<[A, 2], tile<1x4xf32>>, !step.stream<[B], tile<1x4xf32>>),
           !step.stream<[4], selector<2, hot = 1>>
  return
}

// -----

func.func @reassemble_inner(%a: !step.stream<[A, 2], tile<1x4xf32>>, %b: !step.stream<[B, 3], tile<1x4xf32>>,
                            %s: !step.stream<[4], selector<2, hot = 1>>) {
  // expected-error@+1 {{'step.reassemble' op expected input #1 to have the inner dims of input #0 [2], got [3]}}
  %y = step.reassemble %a, %b by %s rank 1
         : (!step.stream<[A, 2], tile<1x4xf32>>, !step.stream<[B, 3], tile<1x4xf32>>),
           !step.stream<[4], selector<2, hot = 1>>
  return
}

// -----

func.func @reassemble_elements(%a: !step.stream<[A], tile<1x4xf32>>, %b: !step.stream<[B], tile<1x4xf16>>,
                               %s: !step.stream<[4], selector<2, hot = 1>>) {
  // expected-error@+1 {{'step.reassemble' op expected input #1 to carry '!step.tile<1x4xf32>' like input #0, got '!step.tile<1x4xf16>'}}
  %y = step.reassemble %a, %b by %s rank 0
         : (!step.stream<[A], tile<1x4xf32>>, !step.stream<[B], tile<1x4xf16>>),
           !step.stream<[4], selector<2, hot = 1>>
  return
}

// -----

func.func @reassemble_no_name(%a: !step.stream<[A], tile<1x4xf32>>, %b: !step.stream<[B], tile<1x4xf32>>,
                              %s: !step.stream<[4], selector<2>>) {
  // expected-error@+1 {{'step.reassemble' op needs a 'name' for its ragged dim when the selector is not k-hot ('!step.selector<2>')}}
  %y = step.reassemble %a, %b by %s rank 0
         : (!step.stream<[A], tile<1x4xf32>>, !step.stream<[B], tile<1x4xf32>>), !step.stream<[4], selector<2>>
  return
}

// -----

func.func @reassemble_bad_name(%a: !step.stream<[A], tile<1x4xf32>>, %b: !step.stream<[B], tile<1x4xf32>>,
                               %s: !step.stream<[4], selector<2>>) {
  // expected-error@+1 {{'step.reassemble' op 'max' is not a valid symbol name}}
  %y = step.reassemble %a, %b by %s rank 0 name "max"
         : (!step.stream<[A], tile<1x4xf32>>, !step.stream<[B], tile<1x4xf32>>), !step.stream<[4], selector<2>>
  return
}

// -----

func.func @eager_merge_one(%a: !step.stream<[A], tile<1x4xf32>>) {
  // expected-error@+1 {{'step.eager_merge' op expected at least two inputs, got 1}}
  %m, %s = step.eager_merge %a rank 0 : !step.stream<[A], tile<1x4xf32>>
  return
}

// -----

func.func @eager_merge_inner(%a: !step.stream<[A, 4], tile<1x4xf32>>, %b: !step.stream<[B, 8], tile<1x4xf32>>) {
  // expected-error@+1 {{'step.eager_merge' op expected input #1 to have the inner dims of input #0 [4], got [8]}}
  %m, %s = step.eager_merge %a, %b rank 1 : !step.stream<[A, 4], tile<1x4xf32>>, !step.stream<[B, 8], tile<1x4xf32>>
  return
}

// -----

// Inferred dims are verified like parsed ones, so what is printed parses.
func.func @eager_merge_overflow(%a: !step.stream<[9223372036854775807], tile<1x4xf32>>,
                                %b: !step.stream<[1], tile<1x4xf32>>) {
  // expected-error@+1 {{'step.eager_merge' op result type: stream dimension '1 + 9223372036854775807' overflows int64}}
  %m, %s = step.eager_merge %a, %b rank 0
             : !step.stream<[9223372036854775807], tile<1x4xf32>>, !step.stream<[1], tile<1x4xf32>>
  return
}

// -----

func.func @parallelize_input_rank(%x: !step.stream<[4, 16], tile<16x64xbf16>>) {
  // expected-error@+1 {{'step.parallelize' op expected 'input' to have rank 0 (1 dims), got [4, 16]}}
  %p:2 = step.parallelize %x rank 0 count 2 : !step.stream<[4, 16], tile<16x64xbf16>>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Runtime-input sources
//===----------------------------------------------------------------------===//

func.func @select_gen_type() {
  // expected-error@+1 {{'step.select_gen' op expected the result to carry selectors, got '!step.tile<1x1xi64>'}}
  %s = step.select_gen "r" : !step.stream<[4], tile<1x1xi64>>
  return
}

// -----

func.func @select_gen_name() {
  // expected-error@+1 {{'step.select_gen' op expected a non-empty runtime input name}}
  %s = step.select_gen "" : !step.stream<[4], selector<2>>
  return
}

// -----

func.func @metadata_gen_type() {
  // expected-error@+1 {{'step.metadata_gen' op expected the result to carry integers (a scalar or a 1x1 integer tile), got '!step.tile<1x2xi64>'}}
  %m = step.metadata_gen "len" : !step.stream<[4], tile<1x2xi64>>
  return
}

// -----

func.func @metadata_gen_name() {
  // expected-error@+1 {{'step.metadata_gen' op expected a non-empty runtime input name}}
  %m = step.metadata_gen "" : !step.stream<[4], i64>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Higher-order operators
//===----------------------------------------------------------------------===//

func.func @map_no_inputs() {
  // expected-error@+2 {{'step.map' op expected at least one input stream}}
  // expected-error@+1 {{'step.map' op failed to infer returned types}}
  %m = "step.map"() ({
    %z = step.zeros : !step.tile<1x4xf32>
    step.yield %z : !step.tile<1x4xf32>
  }) : () -> !step.stream<[1], tile<1x4xf32>>
  return
}

// -----

func.func @map_shapes(%x: !step.stream<[4], tile<1x4xf32>>, %y: !step.stream<[5], tile<1x4xf32>>) {
  // expected-error@+1 {{'step.map' op expected input #1 to have the shape [4] of input #0, got [5]}}
  %m = step.map %x, %y : !step.stream<[4], tile<1x4xf32>>, !step.stream<[5], tile<1x4xf32>> {
  ^bb0(%a: !step.tile<1x4xf32>, %b: !step.tile<1x4xf32>):
    step.yield %a : !step.tile<1x4xf32>
  }
  return
}

// -----

func.func @map_empty_region(%x: !step.stream<[4], tile<1x4xf32>>) {
  // expected-error@+1 {{'step.map' op expected a non-empty 'body' region}}
  %m = step.map %x : !step.stream<[4], tile<1x4xf32>> {
  }
  return
}

// -----

func.func @map_arg_count(%x: !step.stream<[4], tile<1x4xf32>>) {
  // expected-error@+1 {{'step.map' op expected the 'body' region to take 1 arguments, got 2}}
  %m = step.map %x : !step.stream<[4], tile<1x4xf32>> {
  ^bb0(%a: !step.tile<1x4xf32>, %b: !step.tile<1x4xf32>):
    step.yield %a : !step.tile<1x4xf32>
  }
  return
}

// -----

func.func @map_arg_type(%x: !step.stream<[4], tile<1x4xf32>>) {
  // expected-error@+1 {{'step.map' op expected argument #0 of the 'body' region to be '!step.tile<1x4xf32>', got '!step.tile<1x8xf32>'}}
  %m = step.map %x : !step.stream<[4], tile<1x4xf32>> {
  ^bb0(%a: !step.tile<1x8xf32>):
    step.yield %a : !step.tile<1x8xf32>
  }
  return
}

// -----

func.func @map_no_yield(%x: !step.stream<[4], tile<1x4xf32>>) {
  // expected-error@+1 {{'step.map' op expected the 'body' region to end with step.yield}}
  %m = step.map %x : !step.stream<[4], tile<1x4xf32>> {
  ^bb0(%a: !step.tile<1x4xf32>):
    %e = step.exp %a : !step.tile<1x4xf32>
  }
  return
}

// -----

func.func @map_yield_two(%x: !step.stream<[4], tile<1x4xf32>>) {
  // expected-error@+1 {{'step.map' op expected the body to yield one stream element}}
  %m = step.map %x : !step.stream<[4], tile<1x4xf32>> {
  ^bb0(%a: !step.tile<1x4xf32>):
    step.yield %a, %a : !step.tile<1x4xf32>, !step.tile<1x4xf32>
  }
  return
}

// -----

func.func @accum_rank_too_big(%x: !step.stream<[4], tile<1x4xf32>>) {
  // expected-error@+1 {{'step.accum' op rank 1 must be below the number of dims of the input [4]}}
  %a = step.accum %x rank 1 : !step.stream<[4], tile<1x4xf32>> init {
    %z = step.zeros : !step.tile<1x4xf32>
    step.yield %z : !step.tile<1x4xf32>
  } update {
  ^bb0(%acc: !step.tile<1x4xf32>, %v: !step.tile<1x4xf32>):
    step.yield %acc : !step.tile<1x4xf32>
  }
  return
}

// -----

func.func @accum_init_args(%x: !step.stream<[4, 8], tile<1x4xf32>>) {
  // expected-error@+1 {{'step.accum' op expected the 'init' region to take 0 arguments, got 1}}
  %a = step.accum %x rank 1 : !step.stream<[4, 8], tile<1x4xf32>> init {
  ^bb0(%q: !step.tile<1x4xf32>):
    step.yield %q : !step.tile<1x4xf32>
  } update {
  ^bb0(%acc: !step.tile<1x4xf32>, %v: !step.tile<1x4xf32>):
    step.yield %acc : !step.tile<1x4xf32>
  }
  return
}

// -----

func.func @accum_init_no_yield(%x: !step.stream<[4, 8], tile<1x4xf32>>) {
  // expected-error@+1 {{'step.accum' op expected the 'init' region to end with step.yield}}
  %a = step.accum %x rank 1 : !step.stream<[4, 8], tile<1x4xf32>> init {
    %z = step.zeros : !step.tile<1x4xf32>
  } update {
  ^bb0(%acc: !step.tile<1x4xf32>, %v: !step.tile<1x4xf32>):
    step.yield %acc : !step.tile<1x4xf32>
  }
  return
}

// -----

func.func @accum_init_two(%x: !step.stream<[4, 8], tile<1x4xf32>>) {
  // expected-error@+1 {{'step.accum' op expected the init region to yield one element}}
  %a = step.accum %x rank 1 : !step.stream<[4, 8], tile<1x4xf32>> init {
    %z = step.zeros : !step.tile<1x4xf32>
    step.yield %z, %z : !step.tile<1x4xf32>, !step.tile<1x4xf32>
  } update {
  ^bb0(%acc: !step.tile<1x4xf32>, %v: !step.tile<1x4xf32>):
    step.yield %acc : !step.tile<1x4xf32>
  }
  return
}

// -----

func.func @accum_update_args(%x: !step.stream<[4, 8], tile<1x4xf32>>) {
  // expected-error@+1 {{'step.accum' op expected the 'update' region to take 2 arguments, got 1}}
  %a = step.accum %x rank 1 : !step.stream<[4, 8], tile<1x4xf32>> init {
    %z = step.zeros : !step.tile<1x4xf32>
    step.yield %z : !step.tile<1x4xf32>
  } update {
  ^bb0(%acc: !step.tile<1x4xf32>):
    step.yield %acc : !step.tile<1x4xf32>
  }
  return
}

// -----

func.func @accum_update_type(%x: !step.stream<[4, 8], tile<1x4xf32>>) {
  // expected-error@+1 {{'step.scan' op expected the update region to yield the accumulator type '!step.tile<1x4xf32>'}}
  %a = step.scan %x rank 1 : !step.stream<[4, 8], tile<1x4xf32>> init {
    %z = step.zeros : !step.tile<1x4xf32>
    step.yield %z : !step.tile<1x4xf32>
  } update {
  ^bb0(%acc: !step.tile<1x4xf32>, %v: !step.tile<1x4xf32>):
    %z = step.zeros : !step.tile<2x4xf32>
    step.yield %z : !step.tile<2x4xf32>
  }
  return
}

// -----

func.func @flatmap_yield(%x: !step.stream<[4], tile<1x4xf32>>) {
  // expected-error@+1 {{'step.flatmap' op expected the body to yield one stream}}
  %f = step.flatmap %x : !step.stream<[4], tile<1x4xf32>> {
  ^bb0(%a: !step.tile<1x4xf32>):
    step.yield %a : !step.tile<1x4xf32>
  }
  return
}

// -----

func.func @flatmap_needs_dim(%x: !step.stream<[4], tile<2x4xf32>>) {
  // expected-error@+1 {{'step.flatmap' op drops padding, so its resulting dim is data-dependent: state it with 'dim'}}
  %f = step.flatmap %x : !step.stream<[4], tile<2x4xf32>> {
  ^bb0(%a: !step.tile<2x4xf32>):
    %r = step.split_rows %a drop_padding : !step.tile<2x4xf32>
    step.yield %r : !step.stream<[2], tile<1x4xf32>>
  }
  return
}

// -----

func.func @flatmap_bad_dim(%x: !step.stream<[4], tile<2x4xf32>>) {
  // expected-error@+1 {{'step.flatmap' op cannot parse 'dim' "B0 +": column 5: expected an expression, found end of input}}
  %f = step.flatmap %x dim "B0 +" : !step.stream<[4], tile<2x4xf32>> {
  ^bb0(%a: !step.tile<2x4xf32>):
    %r = step.split_rows %a drop_padding : !step.tile<2x4xf32>
    step.yield %r : !step.stream<[2], tile<1x4xf32>>
  }
  return
}

// -----

// The dim is user text: the result type is verified like a parsed one.
func.func @flatmap_negative_dim(%x: !step.stream<[4], tile<2x4xf32>>) {
  // expected-error@+1 {{'step.flatmap' op result type: stream dimension must be non-negative, got -4}}
  %f = step.flatmap %x dim "-4" : !step.stream<[4], tile<2x4xf32>> {
  ^bb0(%a: !step.tile<2x4xf32>):
    %r = step.split_rows %a drop_padding : !step.tile<2x4xf32>
    step.yield %r : !step.stream<[2], tile<1x4xf32>>
  }
  return
}

// -----

//===----------------------------------------------------------------------===//
// Shape operators
//===----------------------------------------------------------------------===//

func.func @flatten_ranks(%x: !step.stream<[4, 16], tile<16x64xbf16>>) {
  // expected-error@+1 {{'step.flatten' op expected ranks 0 <= min < max < 2 for 'input' [4, 16], got 1 to 2}}
  %f = step.flatten %x ranks 1 to 2 : !step.stream<[4, 16], tile<16x64xbf16>>
  return
}

// -----

func.func @reshape_rank_too_big(%x: !step.stream<[4, 16], tile<16x64xbf16>>) {
  // expected-error@+1 {{'step.reshape' op rank 2 must be below the number of dims of 'input' [4, 16]}}
  %r, %p = step.reshape %x rank 2 chunk 2 : !step.stream<[4, 16], tile<16x64xbf16>>
  return
}

// -----

func.func @reshape_outer_dynamic(%x: !step.stream<[B0, 16], tile<16x64xbf16>>) {
  // expected-error@+1 {{'step.reshape' op splitting the dim of rank 1 (B0) needs a static size divisible by the chunk 2; only the innermost dim (rank 0) is padded}}
  %r, %p = step.reshape %x rank 1 chunk 2 : !step.stream<[B0, 16], tile<16x64xbf16>>
  return
}

// -----

func.func @promote_rank_too_big(%x: !step.stream<[4, 16], tile<16x64xbf16>>) {
  // expected-error@+1 {{'step.promote' op rank 3 exceeds the 2 dims of 'input' [4, 16]}}
  %p = step.promote %x rank 3 : !step.stream<[4, 16], tile<16x64xbf16>>
  return
}

// -----

func.func @expand_dims(%x: !step.stream<[4, 1], tile<1x4xf32>>, %y: !step.stream<[4, 2, 3], tile<1x4xf32>>) {
  // expected-error@+1 {{'step.expand' op expected 'input' [4, 1] and 'ref' [4, 2, 3] to have the same number of dims}}
  %e = step.expand %x to %y rank 1 : !step.stream<[4, 1], tile<1x4xf32>>, !step.stream<[4, 2, 3], tile<1x4xf32>>
  return
}

// -----

func.func @expand_rank_too_big(%x: !step.stream<[1, 1], tile<1x4xf32>>, %y: !step.stream<[4, 2], tile<1x4xf32>>) {
  // expected-error@+1 {{'step.expand' op rank 2 must be below the number of dims of 'input' [1, 1]}}
  %e = step.expand %x to %y rank 2 : !step.stream<[1, 1], tile<1x4xf32>>, !step.stream<[4, 2], tile<1x4xf32>>
  return
}

// -----

func.func @expand_inner(%x: !step.stream<[4, 2], tile<1x4xf32>>, %y: !step.stream<[4, 2], tile<1x4xf32>>) {
  // expected-error@+1 {{'step.expand' op expected the inner 1 dims of 'input' [4, 2] to be 1}}
  %e = step.expand %x to %y rank 1 : !step.stream<[4, 2], tile<1x4xf32>>, !step.stream<[4, 2], tile<1x4xf32>>
  return
}

// -----

func.func @expand_outer(%x: !step.stream<[4, 1], tile<1x4xf32>>, %y: !step.stream<[B, 2], tile<1x4xf32>>) {
  // expected-error@+1 {{'step.expand' op expected the outer dims of 'input' [4] to match those of 'ref' [B]}}
  %e = step.expand %x to %y rank 1 : !step.stream<[4, 1], tile<1x4xf32>>, !step.stream<[B, 2], tile<1x4xf32>>
  return
}

// -----

func.func @zip_one(%x: !step.stream<[4], tile<1x4xf32>>) {
  // expected-error@+1 {{'step.zip' op expected at least two inputs, got 1}}
  %z = step.zip %x : !step.stream<[4], tile<1x4xf32>>
  return
}

// -----

func.func @zip_shapes(%x: !step.stream<[4], tile<1x4xf32>>, %y: !step.stream<[4, 1], tile<1x4xf32>>) {
  // expected-error@+1 {{'step.zip' op expected input #1 to have the shape [4] of input #0, got [4, 1]}}
  %z = step.zip %x, %y : !step.stream<[4], tile<1x4xf32>>, !step.stream<[4, 1], tile<1x4xf32>>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Tile operations
//===----------------------------------------------------------------------===//

func.func @matmul_k(%a: !step.tile<16x64xf32>, %b: !step.tile<32x64xbf16>) {
  // expected-error@+1 {{'step.matmul' op contraction dims differ: 'lhs' '!step.tile<16x64xf32>' has 64 columns, 'rhs' '!step.tile<32x64xbf16>' has 32 rows}}
  %p = step.matmul %a, %b : !step.tile<16x64xf32>, !step.tile<32x64xbf16>
  return
}

// -----

func.func @matmul_k_transposed(%a: !step.tile<16x64xf32>, %b: !step.tile<64x32xbf16>) {
  // expected-error@+1 {{'step.matmul' op contraction dims differ: 'lhs' '!step.tile<16x64xf32>' has 64 columns, 'rhs' '!step.tile<64x32xbf16>' (transposed) has 32 rows}}
  %p = step.matmul %a, %b transpose_b : !step.tile<16x64xf32>, !step.tile<64x32xbf16>
  return
}

// -----

func.func @add_shapes(%a: !step.tile<4x4xf32>, %b: !step.tile<2x4xf32>) {
  // expected-error@+1 {{'step.add' op shapes of 'lhs' '!step.tile<4x4xf32>' and 'rhs' '!step.tile<2x4xf32>' are neither equal nor broadcastable}}
  %s = step.add %a, %b : !step.tile<4x4xf32>, !step.tile<2x4xf32>
  return
}

// -----

func.func @div_symbolic(%a: !step.tile<[B0, 4], f32>, %b: !step.tile<[C0, 4], f32>) {
  // expected-error@+1 {{'step.div' op shapes of 'lhs' '!step.tile<[B0, 4], f32>' and 'rhs' '!step.tile<[C0, 4], f32>' are neither equal nor broadcastable}}
  %s = step.div %a, %b : !step.tile<[B0, 4], f32>, !step.tile<[C0, 4], f32>
  return
}

// -----

func.func @retile_cols(%a: !step.tile<16x64xf32>, %r: !step.tile<1x32xf32>) {
  // expected-error@+1 {{'step.retile_rows' op expected 'rows' '!step.tile<1x32xf32>' to have the columns of 'acc' '!step.tile<16x64xf32>'}}
  %n = step.retile_rows %a, %r : !step.tile<16x64xf32>, !step.tile<1x32xf32>
  return
}

// -----

func.func @split_rows_outside(%x: !step.tile<2x4xf32>) {
  // expected-error@+1 {{'step.split_rows' op is only valid inside step.flatmap}}
  %r = step.split_rows %x : !step.tile<2x4xf32>
  return
}

// -----

func.func @yield_outside(%x: !step.tile<2x4xf32>) {
  // expected-error@+1 {{'step.yield' op expects parent op to be one of 'step.map, step.accum, step.scan, step.flatmap'}}
  step.yield %x : !step.tile<2x4xf32>
}
