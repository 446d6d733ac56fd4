//===- abi-check.cpp - The lowering's ABI declarations vs the header ------===//
//
// Reads LLVM-dialect IR on stdin and compares each `llvm.func @kiln_rt_*`
// declaration with the type of the runtime function of that name, as the
// C header declares it (deduced from the function pointer). Prints the
// header's signatures; exits 1 on a mismatch, on an unknown kiln_rt_
// function, or when an ABI function is never declared.
//
//===----------------------------------------------------------------------===//
#include "kiln/runtime/CompiledAbi.h"

#include <cstdio>
#include <iostream>
#include <iterator>
#include <map>
#include <regex>
#include <string>
#include <type_traits>

namespace {

template <typename T> const char *name() {
  if constexpr (std::is_same_v<T, int32_t>)
    return "i32";
  else if constexpr (std::is_same_v<T, int64_t>)
    return "i64";
  else if constexpr (std::is_pointer_v<T>)
    return "ptr";
  else if constexpr (std::is_void_v<T>)
    return "void";
  else
    return "?";
}

template <typename R, typename... Params>
std::string signature(R (*)(Params...)) {
  std::string s = "(";
  const char *names[] = {name<Params>()...};
  for (size_t i = 0; i < sizeof...(Params); ++i)
    s += (i ? ", " : "") + std::string(names[i]);
  return s + ") -> " + name<R>();
}

std::string lowered(const std::string &params, const std::string &result) {
  std::string s = "(";
  std::regex comma(",\\s*");
  std::sregex_token_iterator it(params.begin(), params.end(), comma, -1), end;
  bool first = true;
  for (; it != end; ++it) {
    std::string p = *it;
    if (p == "!llvm.ptr")
      p = "ptr";
    s += (first ? "" : ", ") + p;
    first = false;
  }
  return s + ") -> " + (result.empty() ? "void" : result);
}

} // namespace

int main() {
  std::map<std::string, std::string> header;
  std::vector<std::string> order;
#define KILN_RT_FUNCTION(result, fn, ...)                                      \
  header[#fn] = signature(&fn);                                                \
  order.push_back(#fn);
#include "kiln/runtime/CompiledAbi.def"

  std::string ir((std::istreambuf_iterator<char>(std::cin)),
                 std::istreambuf_iterator<char>());
  std::regex decl("llvm\\.func @(kiln_rt_\\w+)\\(([^)]*)\\)(?: -> (\\w+))?");
  std::map<std::string, std::string> declared;
  for (std::sregex_iterator it(ir.begin(), ir.end(), decl), end; it != end;
       ++it)
    declared[(*it)[1]] = lowered((*it)[2], (*it)[3]);

  int bad = 0;
  for (const auto &[fn, sig] : declared) {
    auto h = header.find(fn);
    if (h == header.end()) {
      std::fprintf(stderr, "%s: declared by the lowering, not in the ABI\n",
                   fn.c_str());
      ++bad;
    } else if (h->second != sig) {
      std::fprintf(stderr, "%s: the lowering declares %s, the header %s\n",
                   fn.c_str(), sig.c_str(), h->second.c_str());
      ++bad;
    }
  }
  for (const std::string &fn : order) {
    std::printf("%s%s\n", fn.c_str(), header[fn].c_str());
    if (!declared.count(fn)) {
      std::fprintf(stderr, "%s: in the ABI but never called by the lowering\n",
                   fn.c_str());
      ++bad;
    }
  }
  if (bad)
    return 1;
  std::printf("ABI: %zu functions, all declared as the header declares them\n",
              order.size());
  return 0;
}
