// RUN: graph-opt %s --split-input-file --verify-diagnostics \
// RUN:   --graph-session-form="signatures={s: fetch=nope}"
// RUN: not graph-opt %s --graph-session-form="signatures={s: feed=a,a fetch=a}" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=TWICE
// RUN: not graph-opt %s \
// RUN:   --graph-session-form="config=%t.does-not-exist" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=CONFIG
// TWICE: InvalidArgument: a is fed twice
// CONFIG: NotFound: {{.*}}does-not-exist; No such file or directory

// expected-error @+1 {{NotFound: FetchOutputs node nope: not found}}
graph.graph {
  %a:2 = graph.Placeholder "a"() {dtype = f32, shape = #graph.shape<2>} : () -> tensor<2xf32>
}
