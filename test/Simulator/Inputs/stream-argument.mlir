// A graph's inputs come from loads and runtime-input sources, not arguments.
func.func @arg(%x: !step.stream<[2], tile<16x64xf32>>) {
  step.linear_store %x to "y" [32, 64] : !step.stream<[2], tile<16x64xf32>>
  return
}
