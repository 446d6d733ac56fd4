// RUN: graph-opt %s | graph-opt | FileCheck %s

// Every runtime op prints and parses back, on tensors and on memrefs.
// CHECK-LABEL: func.func @all
func.func @all(%f: !kiln_rt.frame, %n: i64, %i: index, %b: i1) {
  // CHECK: kiln_rt.feed %{{.*}}[0] : tensor<?x784xf32>
  %x = kiln_rt.feed %f[0] : tensor<?x784xf32>
  // CHECK: kiln_rt.feed %{{.*}}[1] : !kiln_rt.value
  %s = kiln_rt.feed %f[1] : !kiln_rt.value
  // CHECK: kiln_rt.read %{{.*}}[3] : tensor<784x625xf32>
  %w = kiln_rt.read %f[3] : tensor<784x625xf32>
  // CHECK: kiln_rt.assign %{{.*}}[3], %{{.*}} {dtype = 1 : i32, mode = 0 : i32, validate_shape = true} : tensor<784x625xf32>
  kiln_rt.assign %f[3], %w {dtype = 1 : i32, mode = 0 : i32, validate_shape = true} : tensor<784x625xf32>
  // CHECK: kiln_rt.enqueue %{{.*}}[4], %{{.*}}, %{{.*}} : tensor<?x784xf32>, !kiln_rt.value {dtypes = array<i32: 1, 7>, many = true, timeout_ms = -1 : i64}
  kiln_rt.enqueue %f[4], %x, %s : tensor<?x784xf32>, !kiln_rt.value {dtypes = array<i32: 1, 7>, many = true, timeout_ms = -1 : i64}
  // CHECK: kiln_rt.dequeue %{{.*}}[4] count %{{.*}} {mode = 1 : i32, timeout_ms = -1 : i64} : tensor<?x784xf32>, !kiln_rt.value
  %d:2 = kiln_rt.dequeue %f[4] count %n {mode = 1 : i32, timeout_ms = -1 : i64} : tensor<?x784xf32>, !kiln_rt.value
  // CHECK: kiln_rt.queue_size %{{.*}}[4]
  %qs = kiln_rt.queue_size %f[4]
  // CHECK: kiln_rt.queue_is_closed %{{.*}}[4]
  %qc = kiln_rt.queue_is_closed %f[4]
  // CHECK: kiln_rt.queue_close %{{.*}}[4] {cancel_pending_enqueues = false}
  kiln_rt.queue_close %f[4] {cancel_pending_enqueues = false}
  %shape = arith.constant dense<[128, 625]> : tensor<2xi32>
  // CHECK: kiln_rt.random %{{.*}}[5], %{{.*}} {dist = 0 : i32, dtype = 1 : i32, shape_dtype = 3 : i32} : tensor<2xi32> -> tensor<128x625xf32>
  %r = kiln_rt.random %f[5], %shape {dist = 0 : i32, dtype = 1 : i32, shape_dtype = 3 : i32} : tensor<2xi32> -> tensor<128x625xf32>
  // CHECK: kiln_rt.string_const %{{.*}} [1], "
  %c = kiln_rt.string_const %f [1], "\01\00\00\00\00\00\00\00a"
  // CHECK: kiln_rt.summary %{{.*}}(%{{.*}}, %{{.*}}) {dtypes = array<i32: 7, 1>, kind = 0 : i32} : !kiln_rt.value, tensor<f32>
  %one = arith.constant dense<1.0> : tensor<f32>
  %sum = kiln_rt.summary %f(%c, %one) {dtypes = array<i32: 7, 1>, kind = 0 : i32} : !kiln_rt.value, tensor<f32>
  // CHECK: kiln_rt.merge_summary %{{.*}}(%{{.*}}) {dtypes = array<i32: 7>} : !kiln_rt.value
  %m = kiln_rt.merge_summary %f(%sum) {dtypes = array<i32: 7>} : !kiln_rt.value
  // CHECK: kiln_rt.kernel %{{.*}}(%{{.*}}) {dtypes = array<i32: 7>, input_slots = array<i64: 6, -1>, node_def = "{{.*}}", own_slot = -1 : i64} : (!kiln_rt.value) -> (!kiln_rt.value, !kiln_rt.value)
  %k:2 = kiln_rt.kernel %f(%s) {dtypes = array<i32: 7>, input_slots = array<i64: 6, -1>, node_def = "\0A\01r", own_slot = -1 : i64} : (!kiln_rt.value) -> (!kiln_rt.value, !kiln_rt.value)
  %labels = arith.constant dense<[1, 2]> : tensor<2xi32>
  // CHECK: kiln_rt.check_labels %{{.*}}, %{{.*}} {dtype = 3 : i32, num_classes = 10 : i64} : tensor<2xi32>
  kiln_rt.check_labels %f, %labels {dtype = 3 : i32, num_classes = 10 : i64} : tensor<2xi32>
  // CHECK: kiln_rt.check_divisor %{{.*}}, %{{.*}}
  kiln_rt.check_divisor %f, %b
  // CHECK: kiln_rt.check_reshape %{{.*}}, %{{.*}}, %{{.*}}
  kiln_rt.check_reshape %f, %i, %i
  // CHECK: kiln_rt.check_dims %{{.*}}, %{{.*}}, %{{.*}}
  kiln_rt.check_dims %f, %i, %i
  // CHECK: kiln_rt.ok %{{.*}}
  %ok = kiln_rt.ok %f
  // CHECK: kiln_rt.fetch %{{.*}}[0], %{{.*}} {dtype = 1 : i32} : tensor<?x784xf32>
  kiln_rt.fetch %f[0], %x {dtype = 1 : i32} : tensor<?x784xf32>
  // CHECK: kiln_rt.fetch %{{.*}}[1], %{{.*}} {dtype = 0 : i32} : memref<2xf32>
  %buf = memref.alloc() : memref<2xf32>
  kiln_rt.fetch %f[1], %buf {dtype = 0 : i32} : memref<2xf32>
  return
}
