// step-translate --emit-sim-graph writes the SimGraph the simulator runs:
// operators in program order with their kinds, locations and attributes,
// one channel per consumed stream (producer and consumer operator ids), tile
// regions in SSA form, -1 for an unconsumed result, and the broadcast that
// gives a stream used twice its single consumer per FIFO.

// RUN: step-translate --emit-sim-graph --text %s | FileCheck %s

// The binary form round-trips: step-sim reads the .pb, the .pbtxt and the
// .mlir alike and reports the same simulation (the wall-clock line aside).
// RUN: rm -rf %t && mkdir -p %t
// RUN: step-translate --emit-sim-graph %s -o %t/small.pb
// RUN: step-translate --emit-sim-graph --text %s -o %t/small.pbtxt
// RUN: step-sim %s --arch %step_src/arch/hdl_validation.pbtxt --quiet | grep -v '^simulation:' > %t/from-mlir.txt
// RUN: step-sim %t/small.pb --arch %step_src/arch/hdl_validation.pbtxt --quiet | grep -v '^simulation:' > %t/from-pb.txt
// RUN: step-sim %t/small.pbtxt --arch %step_src/arch/hdl_validation.pbtxt --quiet | grep -v '^simulation:' > %t/from-pbtxt.txt
// RUN: diff %t/from-mlir.txt %t/from-pb.txt
// RUN: diff %t/from-mlir.txt %t/from-pbtxt.txt
// RUN: FileCheck %s --check-prefix=SIM < %t/from-pb.txt
// SIM: cycles: {{[1-9][0-9]*}}
// SIM-NEXT: off-chip bytes read: 8192, written: 8192 (256 requests)
// SIM: 0    linear_load
// SIM-NEXT: 1    broadcast
// SIM-NEXT: 2    map
// SIM-NEXT: 3    reshape
// SIM-NEXT: 4    linear_store

// Errors end in a diagnostic and exit code 1.
// RUN: %python %S/../Tools/Inputs/expect-exit.py 1 step-translate --emit-sim-graph %S/Inputs/stream-argument.mlir | FileCheck %s --check-prefix=STREAMARG
// STREAMARG: stream-argument.mlir:2:1: error: stream argument #0 has no producer: a simulated graph reads its inputs with loads or runtime-input sources (select_gen, metadata_gen)
// STREAMARG-NOT: see current operation

// RUN: %python %S/../Tools/Inputs/expect-exit.py 1 step-translate --emit-sim-graph %S/Inputs/two-functions.mlir | FileCheck %s --check-prefix=TWOFUNCS
// TWOFUNCS: two-functions.mlir:7:1: error: several functions hold step operators; choose one with --function (first: @first)
// RUN: step-translate --emit-sim-graph --text --function second %S/Inputs/two-functions.mlir | FileCheck %s --check-prefix=SECOND
// SECOND: name: "second"
// RUN: %python %S/../Tools/Inputs/expect-exit.py 1 step-translate --emit-sim-graph --function third %S/Inputs/two-functions.mlir | FileCheck %s --check-prefix=NOFUNC
// NOFUNC: error: no function named 'third'

// The output never replaces the input (a typo away from losing the source).
// RUN: cp %s %t/input.mlir
// RUN: %python %S/../Tools/Inputs/expect-exit.py 1 step-translate --emit-sim-graph %t/input.mlir -o %t/input.mlir | FileCheck %s --check-prefix=OVERWRITE
// RUN: %python %S/../Tools/Inputs/expect-exit.py 1 step-translate --emit-sim-graph %t/input.mlir -o %t/./input.mlir | FileCheck %s --check-prefix=OVERWRITE
// RUN: diff %s %t/input.mlir
// OVERWRITE: step-translate: refusing to overwrite the input file '{{.*}}input.mlir'

// RUN: %python %S/../Tools/Inputs/expect-exit.py 1 step-translate %s | FileCheck %s --check-prefix=NOTRANSLATION
// NOTRANSLATION: step-translate: choose a translation (--emit-sim-graph)

// CHECK-LABEL: name: "small"
// The load: operator 0 (proto3 leaves zero-valued fields out, so no `id:`),
// its attributes sorted by name.
// CHECK-NEXT:  operators {
// CHECK-NEXT:    kind: "linear_load"
// CHECK-NEXT:    location: "{{.*}}step-translate.mlir:[[#@LINE+49]]:8"
// CHECK-NEXT:    attrs {
// CHECK-NEXT:      key: "par_dispatch"
// CHECK-NEXT:      value {
// CHECK-NEXT:        i: 2
// CHECK:           key: "tensor"
// CHECK-NEXT:      value {
// CHECK-NEXT:        s: "x"
// CHECK:           key: "tensor_shape"
// CHECK-NEXT:      value {
// CHECK-NEXT:        ints {
// CHECK-NEXT:          values: 32
// CHECK-NEXT:          values: 64
// CHECK-NEXT:        }
// CHECK:           key: "tile"
// CHECK-NEXT:      value {
// CHECK-NEXT:        type {
// CHECK-NEXT:          tile {
// CHECK-NEXT:            rows {
// CHECK-NEXT:              expr: "16"
// CHECK-NEXT:            }
// CHECK-NEXT:            cols {
// CHECK-NEXT:              expr: "64"
// CHECK-NEXT:            }
// CHECK-NEXT:            scalar: F32
// CHECK:           key: "view"
// CHECK-NEXT:      value {
// CHECK-NEXT:        ints {
// CHECK-NEXT:          values: 2
// CHECK-NEXT:          values: 1
// CHECK:         outputs: 0
// CHECK-NEXT:  }
// %x has two uses: the inserted broadcast (operator 1) takes channel 0 and
// feeds channels 1 and 2; it carries the load's location.
// CHECK-NEXT:  operators {
// CHECK-NEXT:    id: 1
// CHECK-NEXT:    kind: "broadcast"
// CHECK-NEXT:    location: "{{.*}}step-translate.mlir:[[#@LINE+12]]:8"
// CHECK-NEXT:    attrs {
// CHECK-NEXT:      key: "count"
// CHECK-NEXT:      value {
// CHECK-NEXT:        i: 2
// CHECK-NEXT:      }
// CHECK-NEXT:    }
// CHECK-NEXT:    inputs: 0
// CHECK-NEXT:    outputs: 1
// CHECK-NEXT:    outputs: 2
// CHECK-NEXT:  }
func.func @small() {
  %x = step.linear_load "x" [32, 64] as !step.tile<16x64xf32> view [2, 1] {par_dispatch = 2 : i64}
  %y = step.map %x, %x {compute_bw = 1024 : i64} : !step.stream<[1, 2, 1], tile<16x64xf32>>, !step.stream<[1, 2, 1], tile<16x64xf32>> {
  ^bb0(%a: !step.tile<16x64xf32>, %b: !step.tile<16x64xf32>):
    %m = step.mul %a, %b : !step.tile<16x64xf32>, !step.tile<16x64xf32>
    %s = step.add %m, %a : !step.tile<16x64xf32>, !step.tile<16x64xf32>
    step.yield %s : !step.tile<16x64xf32>
  }
  %r, %pad = step.reshape %y rank 0 chunk 1 : !step.stream<[1, 2, 1], tile<16x64xf32>>
  step.linear_store %r to "y" [32, 64] : !step.stream<[1, 2, 1, 1], tile<16x64xf32>>
  return
}
// The map: region arguments are values 0 and 1, the mul's result is 2, the
// add (of 2 and 0) is 3, and the region yields 3.
// CHECK-NEXT:  operators {
// CHECK-NEXT:    id: 2
// CHECK-NEXT:    kind: "map"
// CHECK-NEXT:    location: "{{.*}}step-translate.mlir:[[#@LINE-15]]:8"
// CHECK-NEXT:    attrs {
// CHECK-NEXT:      key: "compute_bw"
// CHECK-NEXT:      value {
// CHECK-NEXT:        i: 1024
// CHECK-NEXT:      }
// CHECK-NEXT:    }
// CHECK-NEXT:    inputs: 1
// CHECK-NEXT:    inputs: 2
// CHECK-NEXT:    outputs: 3
// CHECK-NEXT:    regions {
// CHECK-NEXT:      args {
// CHECK-NEXT:        tile {
// CHECK:           args {
// CHECK-NEXT:        tile {
// CHECK:           ops {
// CHECK-NEXT:        kind: "mul"
// CHECK-NEXT:        operands: 0
// CHECK-NEXT:        operands: 1
// CHECK-NEXT:        result {
// CHECK-NEXT:          tile {
// CHECK-NEXT:            rows {
// CHECK-NEXT:              expr: "16"
// CHECK:           ops {
// CHECK-NEXT:        kind: "add"
// CHECK-NEXT:        operands: 2
// CHECK-NEXT:        operands: 0
// CHECK:           yields: 3
// CHECK-NEXT:    }
// CHECK-NEXT:  }
// The reshape's padding result has no consumer: output -1, no channel. The
// float attribute `pad` defaults to 0.0.
// CHECK-NEXT:  operators {
// CHECK-NEXT:    id: 3
// CHECK-NEXT:    kind: "reshape"
// CHECK-NEXT:    location: "{{.*}}step-translate.mlir:[[#@LINE-44]]:14"
// CHECK:           key: "chunk"
// CHECK-NEXT:      value {
// CHECK-NEXT:        i: 1
// CHECK:           key: "pad"
// CHECK-NEXT:      value {
// CHECK-NEXT:        f: 0
// CHECK:           key: "rank"
// CHECK-NEXT:      value {
// CHECK-NEXT:        i: 0
// CHECK:         inputs: 3
// CHECK-NEXT:    outputs: 4
// CHECK-NEXT:    outputs: -1
// CHECK-NEXT:  }
// The store has no results.
// CHECK-NEXT:  operators {
// CHECK-NEXT:    id: 4
// CHECK-NEXT:    kind: "linear_store"
// CHECK:           key: "tensor"
// CHECK-NEXT:      value {
// CHECK-NEXT:        s: "y"
// CHECK:         inputs: 4
// CHECK-NEXT:  }
// Channels: 0 (load -> broadcast; producer 0 is left out), 1 and 2
// (broadcast -> map), 3 (map -> reshape), 4 (reshape -> store, rank 3).
// CHECK-NEXT:  channels {
// CHECK-NEXT:    type {
// CHECK-NEXT:      shape {
// CHECK-NEXT:        expr: "1"
// CHECK-NEXT:      }
// CHECK-NEXT:      shape {
// CHECK-NEXT:        expr: "2"
// CHECK-NEXT:      }
// CHECK-NEXT:      shape {
// CHECK-NEXT:        expr: "1"
// CHECK-NEXT:      }
// CHECK-NEXT:      element {
// CHECK-NEXT:        tile {
// CHECK:         consumer: 1
// CHECK-NEXT:  }
// CHECK-NEXT:  channels {
// CHECK-NEXT:    id: 1
// CHECK:         producer: 1
// CHECK-NEXT:    consumer: 2
// CHECK-NEXT:  }
// CHECK-NEXT:  channels {
// CHECK-NEXT:    id: 2
// CHECK:         producer: 1
// CHECK-NEXT:    consumer: 2
// CHECK-NEXT:  }
// CHECK-NEXT:  channels {
// CHECK-NEXT:    id: 3
// CHECK:         producer: 2
// CHECK-NEXT:    consumer: 3
// CHECK-NEXT:  }
// CHECK-NEXT:  channels {
// CHECK-NEXT:    id: 4
// CHECK-NEXT:    type {
// CHECK-NEXT:      shape {
// CHECK-NEXT:        expr: "1"
// CHECK-NEXT:      }
// CHECK-NEXT:      shape {
// CHECK-NEXT:        expr: "2"
// CHECK-NEXT:      }
// CHECK-NEXT:      shape {
// CHECK-NEXT:        expr: "1"
// CHECK-NEXT:      }
// CHECK-NEXT:      shape {
// CHECK-NEXT:        expr: "1"
// CHECK-NEXT:      }
// CHECK:         producer: 3
// CHECK-NEXT:    consumer: 4
// CHECK-NEXT:  }
// CHECK-NOT:   channels
// CHECK-NOT:   operators
