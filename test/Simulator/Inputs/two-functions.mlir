// Two functions with step operators: step-translate needs --function.
func.func @first() {
  %x = step.linear_load "x" [32, 64] as !step.tile<16x64xf32> view [2, 1]
  step.linear_store %x to "y" [32, 64] : !step.stream<[1, 2, 1], tile<16x64xf32>>
  return
}
func.func @second() {
  %x = step.linear_load "x" [32, 64] as !step.tile<16x64xf32> view [2, 1]
  step.linear_store %x to "y" [32, 64] : !step.stream<[1, 2, 1], tile<16x64xf32>>
  return
}
