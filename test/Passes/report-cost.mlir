// RUN: step-opt %s --step-report-cost -o /dev/null | FileCheck %s --check-prefix=SYM
// RUN: step-opt %s --step-report-cost="bind=B0=3,B1=5" -o /dev/null | FileCheck %s --check-prefix=BOUND
// RUN: step-opt %s --step-report-cost="bind=B0=3,B1=5 mode=2" -o /dev/null | FileCheck %s --check-prefix=MODE2
// RUN: step-opt %s --step-report-cost="bind=B0=3,B1=5 count-fifos=1" -o /dev/null | FileCheck %s --check-prefix=FIFOS
// RUN: step-opt %s --step-report-cost="bind=B0=3" -o /dev/null | FileCheck %s --check-prefix=PARTIAL
// RUN: not step-opt %s --step-report-cost="bind=B0=4,B1=5" -o /dev/null 2>&1 | FileCheck %s --check-prefix=VIOLATED
// RUN: not step-opt %s --step-report-cost="bind=B0" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOEQ
// RUN: not step-opt %s --step-report-cost="bind=B9=1" -o /dev/null 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: not step-opt %s --step-report-cost="bind=B0=x" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOTINT
// RUN: not step-opt %s --step-report-cost="bind=B0=-2" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NEG
// RUN: not step-opt %s --step-report-cost="bind=B0=1,B0=2" -o /dev/null 2>&1 | FileCheck %s --check-prefix=TWICE
// RUN: not step-opt %s --step-report-cost="mode=3" -o /dev/null 2>&1 | FileCheck %s --check-prefix=MODE

// Eight 1x64 bf16 rows (128 B each) routed to two experts; each expert packs
// its rows into 4-row f32 tiles (1 KiB) and reads a 64x64 bf16 weight tile
// (8 KiB) once per token tile.
func.func @tiny() {
  %x0 = step.linear_load "x" [8, 64] as !step.tile<1x64xbf16> view [8, 1]
  %x = step.flatten %x0 ranks 0 to 1 : !step.stream<[1, 8, 1], tile<1x64xbf16>>
  %sel = step.select_gen "routing" : !step.stream<[1, 8], selector<2, hot = 1>>
  %e:2 = step.partition %x by %sel rank 0 names ["B0", "B1"] : !step.stream<[1, 8], tile<1x64xbf16>>, !step.stream<[1, 8], selector<2, hot = 1>>
  %c, %pad = step.reshape %e#0 rank 0 chunk 4 : !step.stream<[B0], tile<1x64xbf16>>
  %t = step.accum %c rank 1 : !step.stream<[(B0 + 3) floordiv 4, 4], tile<1x64xbf16>>
    init {
      %z = step.zeros : !step.tile<4x64xf32>
      step.yield %z : !step.tile<4x64xf32>
    } update {
    ^bb0(%acc: !step.tile<4x64xf32>, %r: !step.tile<1x64xbf16>):
      %n = step.retile_rows %acc, %r : !step.tile<4x64xf32>, !step.tile<1x64xbf16>
      step.yield %n : !step.tile<4x64xf32>
    }
  %w = step.linear_load "w" [64, 64] as !step.tile<64x64xbf16> view [1, 1] ref %t : !step.stream<[(B0 + 3) floordiv 4], tile<4x64xf32>>
  %wf = step.flatten %w ranks 0 to 1 : !step.stream<[(B0 + 3) floordiv 4, 1, 1], tile<64x64xbf16>>
  %tt = step.repeat %t count 1 : !step.stream<[(B0 + 3) floordiv 4], tile<4x64xf32>>
  %y = step.map %tt, %wf : !step.stream<[(B0 + 3) floordiv 4, 1], tile<4x64xf32>>, !step.stream<[(B0 + 3) floordiv 4, 1], tile<64x64xbf16>> {
  ^bb0(%a: !step.tile<4x64xf32>, %b: !step.tile<64x64xbf16>):
    %m = step.matmul %a, %b : !step.tile<4x64xf32>, !step.tile<64x64xbf16>
    step.yield %m : !step.tile<4x64xf32>
  }
  step.linear_store %e#1 to "rest" [8, 64] : !step.stream<[B1], tile<1x64xbf16>>
  return
}

// SYM-LABEL: step cost report for @tiny (accounting: mode 1, FIFOs not counted)
// SYM:       step.linear_load "x" (line 18)
// SYM-NEXT:      off-chip: 1024
// SYM-NEXT:      on-chip:  128
// SYM:       step.accum (line 23)
// SYM-NEXT:      off-chip: 0
// SYM-NEXT:      on-chip:  1024
// SYM:       step.linear_load "w" (line 32)
// SYM-NEXT:      off-chip: 8192 * ((B0 + 3) floordiv 4)
// SYM-NEXT:      on-chip:  8192
// SYM:       step.repeat (line 34)
// SYM-NEXT:      off-chip: 0
// SYM-NEXT:      on-chip:  1024
// SYM:       step.linear_store "rest" (line 40)
// SYM-NEXT:      off-chip: 128 * B1
// SYM-NEXT:      on-chip:  128
// SYM:       total off-chip traffic: 128 * B1 + 8192 * ((B0 + 3) floordiv 4) + 1024
// SYM-NEXT:  total off-chip traffic unbound symbols: B0, B1
// SYM-NEXT:  total on-chip memory: 10496
// SYM-NEXT:  total on-chip memory = 10496 B
// SYM-NEXT:  total FLOPs of tile ops: 32768 * ((B0 + 3) floordiv 4)
// SYM-NEXT:  relations recorded by routing operators:
// SYM-NEXT:    B0 + B1 = 8  (step.partition (line 21)){{$}}

// BOUND:      off-chip: 8192 * ((B0 + 3) floordiv 4) = 8192
// BOUND:      total off-chip traffic = 9856 B
// BOUND:      total on-chip memory = 10496 B
// BOUND:      total FLOPs of tile ops = 32768
// BOUND:      B0 + B1 = 8  (step.partition (line 21))  holds: 8

// Mode 2 doubles off-chip buffers (2 x (128 + 8192 + 128)); FIFOs still free.
// MODE2: (accounting: mode 2, FIFOs not counted)
// MODE2: total on-chip memory = 18944 B

// With FIFOs: loads and store as before (128 + 8192 + 128), partition
// 128 x 3, flattens 2 x their tile (2 x 128 + 2 x 8192), reshape 2 x 128,
// accum 1024 + 128, repeat 2 x 1024, map 1024 + 8192 + 1024: 39168.
// FIFOS: (accounting: mode 1, FIFOs counted)
// FIFOS: total on-chip memory = 39168 B

// PARTIAL: total off-chip traffic unbound symbols: B1
// PARTIAL: B0 + B1 = 8  (step.partition (line 21)){{$}}

// VIOLATED: B0 + B1 = 8  (step.partition (line 21))  VIOLATED
// VIOLATED: error: the bindings violate the relation B0 + B1 = 8 recorded here (9 != 8)
// NOEQ: error: bad binding 'B0': expected NAME=VALUE
// UNKNOWN: error: bad binding: unknown symbol 'B9'; the graph's symbols are: B0, B1
// NOTINT: error: bad binding 'B0=x': 'x' is not an integer
// NEG: error: bad binding 'B0=-2': sizes are non-negative, got -2
// TWICE: error: bad binding 'B0=2': 'B0' is bound twice
// MODE: error: mode must be 1 or 2, got 3
