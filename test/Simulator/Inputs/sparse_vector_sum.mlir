// s = sum of a sparse vector A (one compressed level), for an exact cycle
// count derived by hand in sparse-timing.test. FIFOs 8 deep (no
// back-pressure in this graph).
module attributes {step.channel_depth = 8 : i64} {
func.func @vector_sum() {
  %r = step.root
  %j, %rj = step.fiber_lookup %r tensor "A" mode 0 "compressed" name "J" : !step.stream<[1], ref>
  step.sink %j : !step.stream<[1, ragged<J>], crd>
  %v = step.array_val %rj tensor "A" : !step.stream<[1, ragged<J>], ref>
  %s = step.reduce %v kind "add" : !step.stream<[1, ragged<J>], tile<1x1xf32>>
  step.val_write %s tensor "s" : !step.stream<[1], tile<1x1xf32>>
  return
}
}
