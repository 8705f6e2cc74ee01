// A map fed by its own output through a feedback edge: it can never start.
// Used by feedback-deadlock.test.
func.func @cycle() {
  %fb = step.feedback : !step.stream<[4], tile<1x1xi64>>
  %i = step.metadata_gen "kv" : !step.stream<[4], tile<1x1xi64>>
  %m = step.map %fb, %i : !step.stream<[4], tile<1x1xi64>>, !step.stream<[4], tile<1x1xi64>> {
  ^bb0(%a: !step.tile<1x1xi64>, %b: !step.tile<1x1xi64>):
    %s = step.cache_write_addr %a, %b row_offset 1 : !step.tile<1x1xi64>, !step.tile<1x1xi64>
    step.yield %s : !step.tile<1x1xi64>
  }
  %b:2 = step.broadcast %m count 2 : !step.stream<[4], tile<1x1xi64>>
  step.sink %b#0 : !step.stream<[4], tile<1x1xi64>>
  step.feedback_connect %b#1 to %fb : !step.stream<[4], tile<1x1xi64>>
  return
}
