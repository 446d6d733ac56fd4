graph.graph {
  %a:2 = graph.Const "a"() {dtype = i32, value = dense<1> : tensor<i32>} : () -> tensor<i32>
  %m:2 = graph.MatMul "m"(%a#0, %a#0) {T = f32} : (tensor<i32>, tensor<i32>) -> tensor<f32>
}
