// Round trip of every form of the step types, through the custom and the
// generic printer. Dimensions are printed in their canonical form.

// RUN: step-opt %s | step-opt | FileCheck %s
// RUN: step-opt %s --mlir-print-op-generic | step-opt | FileCheck %s

// Static dimensions.
// CHECK-LABEL: func.func private @static(!step.stream<[1, 64], tile<1x4096xbf16>>)
func.func private @static(!step.stream<[1, 64], tile<1x4096xbf16>>)

// A dynamic-regular symbol.
// CHECK-LABEL: func.func private @symbolic(!step.stream<[C0, 224], tile<16x64xbf16>>)
func.func private @symbolic(!step.stream<[C0, 224], tile<16x64xbf16>>)

// A named ragged dimension.
// CHECK-LABEL: func.func private @ragged(!step.stream<[1, 64, ragged<R0>], tile<1x4096xbf16>>)
func.func private @ragged(!step.stream<[1, 64, ragged<R0>], tile<1x4096xbf16>>)

// CHECK-LABEL: func.func private @floordiv(!step.stream<[(B0 + 15) floordiv 16, 16], tile<1x4096xbf16>>)
func.func private @floordiv(!step.stream<[(B0 + 15) floordiv 16, 16], tile<1x4096xbf16>>)

// ceildiv by a constant has the floordiv form as canonical form.
// CHECK-LABEL: func.func private @ceildiv(!step.stream<[(B0 + 15) floordiv 16, 16], tile<1x4096xbf16>>)
func.func private @ceildiv(!step.stream<[B0 ceildiv 16, 16], tile<1x4096xbf16>>)

// Divisions by a symbol stay as written.
// CHECK-LABEL: func.func private @symdiv(!step.stream<[B0 floordiv C0, B0 ceildiv C0], i1>)
func.func private @symdiv(!step.stream<[B0 floordiv C0, B0 ceildiv C0], i1>)

// max flattens and folds constants; max(B0, 0) is B0 (symbols are non-negative).
// CHECK-LABEL: func.func private @maxes(!step.stream<[max(B0, C0, 4), B0, 7], i1>)
func.func private @maxes(!step.stream<[max(B0, C0, 4), max(B0, 0), max(4, 7)], i1>)

// CHECK-LABEL: func.func private @promote(!step.stream<[B0 ceildiv max(B0, 1), B0], i1>)
func.func private @promote(!step.stream<[B0 ceildiv max(B0, 1), B0], i1>)

// Absorption: arithmetic on a ragged dimension gives one ragged node.
// CHECK-LABEL: func.func private @ragged_expr(!step.stream<[ragged<64 * R>, ragged<B0 + R>, ragged<X>, ragged<(R + 15) floordiv 16>], i1>)
func.func private @ragged_expr(!step.stream<[ragged<R> * 64, ragged<B0 + R>, ragged<ragged<X>>, ragged<R ceildiv 16>], i1>)

// MLIR lexes `- 2` as the integer -2, so subtraction prints as `+ -k * X`.
// CHECK-LABEL: func.func private @negative(!step.stream<[B0 + -1 * C0, B0 + -2 * C0, B0 + -2 * C0, B0 + -3, B1 * (B0 floordiv 2)], i1>)
func.func private @negative(!step.stream<[B0 + -1 * C0, B0 - 2 * C0, -2 * C0 + B0, B0 - 3, B1 * (B0 floordiv 2)], i1>)

// Products print the coefficient first and distribute over sums.
// CHECK-LABEL: func.func private @products(!step.stream<[4 * B0 * C0, 2 * B0 + 2, B0 * B0], i1>)
func.func private @products(!step.stream<[B0 * C0 * 4, 2 * (B0 + 1), B0 * B0], i1>)

// Symbol names are MLIR bare identifiers.
// CHECK-LABEL: func.func private @names(!step.stream<[x.y$z, _tok, B_0], i1>)
func.func private @names(!step.stream<[x.y$z, _tok, B_0], i1>)

// CHECK-LABEL: func.func private @zero(!step.stream<[0, 4], i1>)
func.func private @zero(!step.stream<[0, 4], i1>)

// Tiles: static, symbolic, and symbolic that folds to static.
// CHECK-LABEL: func.func private @tiles(!step.tile<16x4096xbf16>, !step.tile<[B0, 4096], f32>, !step.tile<16x64xf32>, !step.tile<[(B0 + 15) floordiv 16, 2 * C0], i8>, !step.tile<0x4xf16>)
func.func private @tiles(!step.tile<16x4096xbf16>, !step.tile<[B0, 4096], f32>, !step.tile<[16, 64], f32>, !step.tile<[(B0 + 15) floordiv 16, C0 * 2], i8>, !step.tile<0x4xf16>)

// The `!step.` prefix may be written inside a stream; it is printed without.
// CHECK-LABEL: func.func private @tile_prefix(!step.stream<[4], tile<[B0, 64], f32>>)
func.func private @tile_prefix(!step.stream<[4], !step.tile<[B0, 64], f32>>)

// hot = 0 (any number of bits) is the default and is not printed.
// CHECK-LABEL: func.func private @selectors(!step.selector<8>, !step.selector<8, hot = 2>, !step.selector<8>, !step.selector<1, hot = 1>)
func.func private @selectors(!step.selector<8>, !step.selector<8, hot = 2>, !step.selector<8, hot = 0>, !step.selector<1, hot = 1>)

// CHECK-LABEL: func.func private @selector_stream(!step.stream<[1, 64], selector<8, hot = 2>>)
func.func private @selector_stream(!step.stream<[1, 64], selector<8, hot = 2>>)

// onchip is the default memory level and is not printed.
// CHECK-LABEL: func.func private @buffers(!step.buffer<[4, 16], tile<16x64xbf16>>, !step.buffer<[4, 16], tile<16x64xbf16>>, !step.buffer<[B0], tile<1x4096xbf16>, offchip>, !step.buffer<[ragged<R>, 4], tile<[B0, 4], f32>>)
func.func private @buffers(!step.buffer<[4, 16], tile<16x64xbf16>>, !step.buffer<[4, 16], tile<16x64xbf16>, onchip>, !step.buffer<[B0], tile<1x4096xbf16>, offchip>, !step.buffer<[ragged<R>, 4], !step.tile<[B0, 4], f32>>)

// CHECK-LABEL: func.func private @buffer_stream(!step.stream<[C0], buffer<[16], tile<1x4096xbf16>>>)
func.func private @buffer_stream(!step.stream<[C0], buffer<[16], tile<1x4096xbf16>>>)

// Tuples may nest and hold any stream element.
// CHECK-LABEL: func.func private @tuples(!step.tuple<tile<16x4096xbf16>, tile<4096x64xbf16>>, !step.tuple<selector<2>, i1, f32>, !step.tuple<tuple<i1, i64>, buffer<[4], tile<1x4xf32>, offchip>>)
func.func private @tuples(!step.tuple<tile<16x4096xbf16>, tile<4096x64xbf16>>, !step.tuple<selector<2>, i1, f32>, !step.tuple<tuple<i1, i64>, buffer<[4], tile<1x4xf32>, offchip>>)

// CHECK-LABEL: func.func private @tuple_stream(!step.stream<[C0], tuple<tile<16x64xf32>, tile<64x4096xbf16>>>)
func.func private @tuple_stream(!step.stream<[C0], tuple<tile<16x64xf32>, tile<64x4096xbf16>>>)

// Scalar elements: flags, indices, floats.
// CHECK-LABEL: func.func private @scalars(!step.stream<[B0], i1>, !step.stream<[B0], i64>, !step.stream<[1, 1], f32>, !step.stream<[4], bf16>)
func.func private @scalars(!step.stream<[B0], i1>, !step.stream<[B0], i64>, !step.stream<[1, 1], f32>, !step.stream<[4], bf16>)
