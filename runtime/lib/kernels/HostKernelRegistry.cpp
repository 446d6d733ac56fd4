//===- HostKernelRegistry.cpp - The kernel table and KernelContext --------===//
//
// The op type -> kernel factory table, and how a kernel reaches the session
// resources its inputs name. The kernels themselves are in GeneralKernels.cpp
// and IoKernels.cpp.
//
//===----------------------------------------------------------------------===//
#include "BuiltinKernels.h"

#include "kiln/runtime/Session.h"

#include <mutex>

using namespace kiln;

static_assert(ResourceKindOf<Variable>::value ==
                  static_cast<int>(ResourceSpec::Kind::kVariable),
              "ResourceKindOf out of step with ResourceSpec::Kind");
static_assert(ResourceKindOf<Queue>::value ==
                  static_cast<int>(ResourceSpec::Kind::kQueue),
              "ResourceKindOf out of step with ResourceSpec::Kind");
static_assert(ResourceKindOf<ReaderBase>::value ==
                  static_cast<int>(ResourceSpec::Kind::kReader),
              "ResourceKindOf out of step with ResourceSpec::Kind");

namespace {

struct Registry {
  std::mutex mu;
  HostKernelTable factories;
};

Registry &registry() {
  // Built on first use (not by static constructors, which a static library
  // may drop), and never destroyed: kernels may run during exit.
  static Registry *r = [] {
    auto *reg = new Registry;
    addGeneralKernels(reg->factories);
    addIoKernels(reg->factories);
    return reg;
  }();
  return *r;
}

const char *kindName(int kind) {
  switch (static_cast<ResourceSpec::Kind>(kind)) {
  case ResourceSpec::Kind::kVariable:
    return "a variable";
  case ResourceSpec::Kind::kQueue:
    return "a queue";
  case ResourceSpec::Kind::kRandom:
    return "a random generator";
  case ResourceSpec::Kind::kReader:
    return "a reader";
  }
  return "a resource";
}

} // namespace

void kiln::registerHostKernel(const std::string &opType,
                              HostKernelFactory factory) {
  Registry &r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  r.factories[opType] = std::move(factory);
}

const HostKernelFactory *kiln::findHostKernel(const std::string &opType) {
  Registry &r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  auto it = r.factories.find(opType);
  // Entries are never erased (only replaced in place), so the pointer
  // stays valid.
  return it == r.factories.end() ? nullptr : &it->second;
}

std::vector<std::string> kiln::hostKernelOpTypes() {
  Registry &r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  std::vector<std::string> out;
  for (const auto &[name, f] : r.factories)
    out.push_back(name);
  return out;
}

// UBSan's vptr check of `session_` would reference Session's type info,
// which lives in the session area: kernels link no session code (programs
// that load op libraries without running a session, such as graph-opt,
// have none), and the pointer is the session's own.
#if defined(__GNUC__)
#define KILN_NO_VPTR_CHECK __attribute__((no_sanitize("vptr")))
#else
#define KILN_NO_VPTR_CHECK
#endif

KILN_NO_VPTR_CHECK
StatusOr<void *> KernelContext::resourceOf(size_t i, int kind) const {
  if (i >= slots_.size() || slots_[i] < 0 || !session_)
    return errors::InvalidArgument("node '", node_.name(), "' (", node_.op(),
                                   "): input ", i, " must be ", kindName(kind));
  size_t slot = static_cast<size_t>(slots_[i]);
  const ResourceSpec &spec = session_->resources()[slot];
  if (static_cast<int>(spec.kind) != kind)
    return errors::InvalidArgument("node '", node_.name(), "' (", node_.op(),
                                   "): input ", i, " must be ", kindName(kind),
                                   " but ", spec.nodeName, " is ",
                                   kindName(static_cast<int>(spec.kind)));
  return session_->slot(slot);
}

KILN_NO_VPTR_CHECK
void *KernelContext::ownState() const {
  if (ownSlot_ < 0 || !session_)
    return nullptr;
  return session_->slot(static_cast<size_t>(ownSlot_));
}
