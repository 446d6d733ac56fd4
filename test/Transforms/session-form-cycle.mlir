// RUN: graph-opt %s --verify-diagnostics --graph-session-form="signatures={s: fetch=b}"

// A TF1 while loop is a cycle through NextIteration/Merge: one clear error.
// expected-error @+1 {{Unimplemented: node}}
graph.graph {
  %m:3 = graph.Merge "m"(%c#0, %n#0) {N = 2 : i64, T = f32} : (tensor<f32>, tensor<f32>) -> (tensor<f32>, tensor<i32>)
  %n:2 = graph.NextIteration "n"(%b#0) {T = f32} : (tensor<f32>) -> tensor<f32>
  %b:2 = graph.Neg "b"(%m#0) {T = f32} : (tensor<f32>) -> tensor<f32>
  %c:2 = graph.Const "c"() {dtype = f32, value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
}
