// Every runtime op, on buffers: lowered, it calls every function of the ABI.
func.func @all(%f: !kiln_rt.frame, %n: i64, %i: index, %b: i1) {
  %x = kiln_rt.feed %f[0] : memref<?x784xf32>
  %s = kiln_rt.feed %f[1] : !kiln_rt.value
  %w = kiln_rt.read %f[3] : memref<784x625xf32>
  kiln_rt.assign %f[3], %w {dtype = 1 : i32, mode = 0 : i32, validate_shape = true} : memref<784x625xf32>
  kiln_rt.enqueue %f[4], %x, %s : memref<?x784xf32>, !kiln_rt.value {dtypes = array<i32: 1, 7>, many = true, timeout_ms = -1 : i64}
  %d:2 = kiln_rt.dequeue %f[4] count %n {mode = 1 : i32, timeout_ms = -1 : i64} : memref<?x784xf32>, !kiln_rt.value
  %qs = kiln_rt.queue_size %f[4]
  %qc = kiln_rt.queue_is_closed %f[4]
  kiln_rt.queue_close %f[4] {cancel_pending_enqueues = false}
  %shape = memref.alloc() : memref<2xi32>
  %r = kiln_rt.random %f[5], %shape {dist = 0 : i32, dtype = 1 : i32, shape_dtype = 3 : i32} : memref<2xi32> -> memref<128x625xf32>
  %c = kiln_rt.string_const %f [1], "\01\00\00\00\00\00\00\00a"
  %one = memref.alloc() : memref<f32>
  %sum = kiln_rt.summary %f(%c, %one) {dtypes = array<i32: 7, 1>, kind = 0 : i32} : !kiln_rt.value, memref<f32>
  %m = kiln_rt.merge_summary %f(%sum) {dtypes = array<i32: 7>} : !kiln_rt.value
  %k:2 = kiln_rt.kernel %f(%s) {dtypes = array<i32: 7>, input_slots = array<i64: 6, -1>, node_def = "\0A\01r", own_slot = -1 : i64} : (!kiln_rt.value) -> (memref<?xi64>, !kiln_rt.value)
  %labels = memref.alloc() : memref<2xi32>
  kiln_rt.check_labels %f, %labels {dtype = 3 : i32, num_classes = 10 : i64} : memref<2xi32>
  kiln_rt.check_divisor %f, %b
  kiln_rt.check_reshape %f, %i, %i
  kiln_rt.check_dims %f, %i, %i
  %buf = kiln_rt.alloc %f(%i) : memref<?x4xf32>
  kiln_rt.free %f, %buf : memref<?x4xf32>
  %ok = kiln_rt.ok %f
  %next = kiln_rt.writable %f[3] : memref<784x625xf32>
  kiln_rt.parallel_for %f @block(%next) total %i grain 16 : memref<784x625xf32>
  %wt = memref.alloc() : memref<625x784xf32>
  %mm = kiln_rt.alloc %f(%i) : memref<?x625xf32>
  kiln_rt.matmul %f(%x, %wt) into %mm {accumulate = true, transpose_a = false, transpose_b = true} : memref<?x784xf32>, memref<625x784xf32>, memref<?x625xf32>
  kiln_rt.fetch %f[0], %x {dtype = 1 : i32} : memref<?x784xf32>
  return
}

// The outlined loop of parallel_for, as func-to-llvm lowers
// `(index, index, memref<784x625xf32>)`.
llvm.func @block(%lo: i64, %hi: i64, %alloc: !llvm.ptr, %aligned: !llvm.ptr, %off: i64, %s0: i64, %s1: i64, %t0: i64, %t1: i64) {
  llvm.return
}
