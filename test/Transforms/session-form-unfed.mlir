// RUN: graph-opt %s --verify-diagnostics --graph-session-form="signatures={s: fetch=b}"

// expected-error @+1 {{InvalidArgument: You must feed a value for placeholder tensor 'a' with dtype float and shape [?,2]}}
graph.graph {
  %a:2 = graph.Placeholder "a"() {dtype = f32, shape = #graph.shape<?x2>} : () -> tensor<?x2xf32>
  %b:2 = graph.Neg "b"(%a#0) {T = f32} : (tensor<?x2xf32>) -> tensor<?x2xf32>
}
