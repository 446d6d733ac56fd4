// RUN: graph-opt %s --split-input-file --verify-diagnostics \
// RUN:   --graph-session-form="signatures={s: fetch=nope}"

// expected-error @+1 {{NotFound: FetchOutputs node nope: not found}}
graph.graph {
  %a:2 = graph.Placeholder "a"() {dtype = f32, shape = #graph.shape<2>} : () -> tensor<2xf32>
}
