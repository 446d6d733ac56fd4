//===- TensorFormat.cpp - Tensors printed the way NumPy prints arrays -----===//
//
// Tensor::debugString gives what `print(ndarray)` prints under NumPy's
// default print options (threshold 1000, edgeitems 3, linewidth 75,
// precision 8, floatmode 'maxprec'): arrays above the threshold show only
// their corners around "...", rows wrap at 75 columns, every element of an
// array is padded to one layout (floats aligned on the point, or all in
// scientific notation), and a 0-d tensor prints as NumPy's scalar str.
//
// Floats need NumPy's digits exactly, including where a cut-off or a padded
// minimum of digits stops the shortest round-trip digits, so they come from a
// Steele & White / Burger & Dybvig digit generator over big integers (the
// Dragon4 family NumPy uses) rather than from printf.
//
//===----------------------------------------------------------------------===//
#include "kiln/runtime/Tensor.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstring>
#include <functional>

namespace kiln {
namespace {

constexpr int64_t kEdgeItems = 3;
constexpr size_t kLineWidth = 75;
constexpr int kPrecision = 8;

//===----------------------------------------------------------------------===//
// Big unsigned integers, just what digit generation needs
//===----------------------------------------------------------------------===//

class BigNum {
public:
  explicit BigNum(uint64_t v = 0) {
    if (v)
      words_.push_back(static_cast<uint32_t>(v));
    if (v >> 32)
      words_.push_back(static_cast<uint32_t>(v >> 32));
  }

  void shiftLeft(unsigned n) {
    if (words_.empty() || n == 0)
      return;
    unsigned whole = n / 32, bits = n % 32;
    if (bits) {
      uint32_t carry = 0;
      for (uint32_t &w : words_) {
        uint32_t next = w >> (32 - bits);
        w = (w << bits) | carry;
        carry = next;
      }
      if (carry)
        words_.push_back(carry);
    }
    words_.insert(words_.begin(), whole, 0u);
  }

  void mulSmall(uint32_t m) {
    uint64_t carry = 0;
    for (uint32_t &w : words_) {
      uint64_t p = static_cast<uint64_t>(w) * m + carry;
      w = static_cast<uint32_t>(p);
      carry = p >> 32;
    }
    if (carry)
      words_.push_back(static_cast<uint32_t>(carry));
  }

  void mulPow10(int n) {
    for (; n >= 9; n -= 9)
      mulSmall(1000000000u);
    static const uint32_t kSmall[] = {1,      10,      100,      1000,
                                      10000,  100000,  1000000,  10000000,
                                      100000000};
    if (n > 0)
      mulSmall(kSmall[n]);
  }

  void add(const BigNum &o) {
    if (o.words_.size() > words_.size())
      words_.resize(o.words_.size(), 0u);
    uint64_t carry = 0;
    for (size_t i = 0; i < words_.size(); ++i) {
      uint64_t s = static_cast<uint64_t>(words_[i]) + carry +
                   (i < o.words_.size() ? o.words_[i] : 0u);
      words_[i] = static_cast<uint32_t>(s);
      carry = s >> 32;
    }
    if (carry)
      words_.push_back(static_cast<uint32_t>(carry));
  }

  /// *this -= o; requires *this >= o.
  void sub(const BigNum &o) {
    int64_t borrow = 0;
    for (size_t i = 0; i < words_.size(); ++i) {
      int64_t d = static_cast<int64_t>(words_[i]) - borrow -
                  (i < o.words_.size() ? o.words_[i] : 0u);
      borrow = d < 0;
      words_[i] = static_cast<uint32_t>(d + (borrow << 32));
    }
    while (!words_.empty() && words_.back() == 0)
      words_.pop_back();
  }

  friend int compare(const BigNum &a, const BigNum &b) {
    if (a.words_.size() != b.words_.size())
      return a.words_.size() < b.words_.size() ? -1 : 1;
    for (size_t i = a.words_.size(); i-- > 0;)
      if (a.words_[i] != b.words_[i])
        return a.words_[i] < b.words_[i] ? -1 : 1;
    return 0;
  }

private:
  std::vector<uint32_t> words_; // little-endian, no leading zero words
};

/// r / s for r < 10 s, leaving the remainder in r.
int divDigit(BigNum &r, const BigNum &s) {
  int q = 0;
  while (compare(r, s) >= 0) {
    r.sub(s);
    ++q;
  }
  return q;
}

//===----------------------------------------------------------------------===//
// Decimal digits of binary floats
//===----------------------------------------------------------------------===//

/// An IEEE binary format: fraction and exponent field widths.
struct FloatKind {
  int fracBits, expBits;
};
constexpr FloatKind kHalfKind{10, 5}, kBFloat16Kind{7, 8}, kFloatKind{23, 8},
    kDoubleKind{52, 11};

/// One element of a floating tensor: its value (exact in a double for every
/// kind) and its bits in its own format, which fix its neighbours.
struct Real {
  double value;
  uint64_t bits;
  FloatKind kind;
};

Real realOf(float v) {
  uint32_t b;
  std::memcpy(&b, &v, 4);
  return {v, b, kFloatKind};
}
Real realOf(double v) {
  uint64_t b;
  std::memcpy(&b, &v, 8);
  return {v, b, kDoubleKind};
}
Real realOfHalf(uint16_t h) {
  int e = (h >> 10) & 0x1f, f = h & 0x3ff;
  double mag = e == 0    ? std::ldexp(f, -24)
               : e == 31 ? (f ? NAN : INFINITY)
                         : std::ldexp(f | 0x400, e - 25);
  return {(h & 0x8000) ? -mag : mag, h, kHalfKind};
}
Real realOfBFloat16(uint16_t h) {
  uint32_t b = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &b, 4);
  return {f, h, kBFloat16Kind};
}

/// The digits of |x|: d1 d2 ... with d1 in the 10^exponent place.
struct Digits {
  std::string digits;
  int exponent = 0;
};

enum class CutoffMode { kTotal, kFraction };

/// Shortest digits that read back as `x` in its own format, bounded like
/// NumPy's Dragon4: at most `maxDigits` and at least `minDigits` (either -1
/// for none), counted in total or after the decimal point. Where a bound
/// stops the digits, the last one rounds on the exact value, ties to even.
Digits generateDigits(const Real &x, CutoffMode mode, int maxDigits,
                      int minDigits) {
  int fracBits = x.kind.fracBits, expBits = x.kind.expBits;
  uint64_t frac = x.bits & ((uint64_t{1} << fracBits) - 1);
  int biased = static_cast<int>((x.bits >> fracBits) & ((1u << expBits) - 1));
  int bias = (1 << (expBits - 1)) - 1;
  uint64_t mantissa;
  int exponent;
  bool unequal; // the gap below is half the gap above (a power of two)
  if (biased == 0) {
    mantissa = frac;
    exponent = 1 - bias - fracBits;
    unequal = false;
  } else {
    mantissa = frac | (uint64_t{1} << fracBits);
    exponent = biased - bias - fracBits;
    unequal = biased != 1 && frac == 0;
  }
  Digits out;
  if (mantissa == 0) {
    out.digits = "0";
    return out;
  }

  // value = r / s; the neighbours lie mLow / s below and mHigh / s above
  // (both times two, to keep everything integral).
  unsigned u = unequal ? 1 : 0;
  BigNum r(mantissa), s, mLow(1), mHigh(1);
  if (exponent >= 0) {
    r.shiftLeft(exponent + 1 + u);
    s = BigNum(2u << u);
    mLow.shiftLeft(exponent);
    mHigh.shiftLeft(exponent + u);
  } else {
    r.shiftLeft(1 + u);
    s = BigNum(1);
    s.shiftLeft(-exponent + 1 + u);
    mHigh.shiftLeft(u);
  }
  // Scale so that r / s is in [0.1, 1): value = r / s * 10^k.
  int k = static_cast<int>(
      std::floor(std::log10(std::fabs(std::ldexp(double(mantissa), exponent))))) +
          1;
  if (k > 0) {
    s.mulPow10(k);
  } else if (k < 0) {
    r.mulPow10(-k);
    mLow.mulPow10(-k);
    mHigh.mulPow10(-k);
  }
  while (compare(r, s) >= 0) {
    s.mulSmall(10);
    ++k;
  }
  for (;;) {
    BigNum r10 = r;
    r10.mulSmall(10);
    if (compare(r10, s) >= 0)
      break;
    r = r10;
    mLow.mulSmall(10);
    mHigh.mulSmall(10);
    --k;
  }
  // A value below the last fraction digit allowed still yields that digit
  // (0 or 1 after rounding).
  if (mode == CutoffMode::kFraction && maxDigits >= 0 && k <= -maxDigits) {
    s.mulPow10(-maxDigits + 1 - k);
    k = -maxDigits + 1;
  }
  out.exponent = k - 1;
  int maxExp = k - 4000; // no bound
  if (maxDigits >= 0)
    maxExp = std::max(maxExp, mode == CutoffMode::kTotal ? k - maxDigits
                                                         : -maxDigits);
  int minExp = k;
  if (minDigits >= 0)
    minExp = std::min(minExp, mode == CutoffMode::kTotal ? k - minDigits
                                                         : -minDigits);

  bool even = (mantissa & 1) == 0;
  bool low = false, high = false;
  int digit = 0;
  for (;;) {
    --k;
    r.mulSmall(10);
    mLow.mulSmall(10);
    mHigh.mulSmall(10);
    digit = divDigit(r, s);
    int c = compare(r, mLow);
    low = even ? c <= 0 : c < 0;
    BigNum top = r;
    top.add(mHigh);
    c = compare(top, s);
    high = even ? c >= 0 : c > 0;
    if (((low || high) && k <= minExp) || k == maxExp)
      break;
    out.digits += static_cast<char>('0' + digit);
  }
  // Round the last digit: toward the side that still reads back as `x`, or
  // when both (or neither) do, to the nearer, ties to an even digit.
  bool roundDown = low;
  if (low == high) {
    BigNum twice = r;
    twice.shiftLeft(1);
    int c = compare(twice, s);
    roundDown = c < 0 || (c == 0 && (digit & 1) == 0);
  }
  if (roundDown) {
    out.digits += static_cast<char>('0' + digit);
  } else if (digit < 9) {
    out.digits += static_cast<char>('0' + digit + 1);
  } else {
    while (!out.digits.empty() && out.digits.back() == '9')
      out.digits.pop_back();
    if (out.digits.empty()) {
      out.digits = "1";
      ++out.exponent;
    } else {
      ++out.digits.back();
    }
  }
  return out;
}

/// NumPy's trim modes: 'k' keeps trailing zeros, '.' trims them but keeps
/// the point, '0' leaves one zero after the point, '-' drops the point too.
enum class Trim { kKeep, kZeros, kLeaveOneZero, kDptZeros };

struct FloatStyle {
  int precision = -1; // most digits after the point, -1 none
  int minDigits = -1; // fewest digits after the point, -1 none
  Trim trim = Trim::kZeros;
  bool plusSign = false;
  int padLeft = -1;  // characters before the point, sign included
  int padRight = -1; // characters after the point
  int expDigits = -1;
};

std::string signOf(const Real &x, bool plusSign) {
  return std::signbit(x.value) ? "-" : plusSign ? "+" : "";
}

/// Trims `frac` (the digits after the point) as `trim` says; `point` says
/// whether the point is printed.
void trimFraction(std::string &frac, bool &point, Trim trim,
                  size_t wantDigits) {
  if (trim == Trim::kLeaveOneZero && frac.empty())
    frac = "0";
  else if (trim == Trim::kKeep && frac.size() < wantDigits)
    frac.append(wantDigits - frac.size(), '0');
  if (trim != Trim::kKeep && !frac.empty()) {
    while (!frac.empty() && frac.back() == '0')
      frac.pop_back();
    if (frac.empty() && trim == Trim::kLeaveOneZero)
      frac = "0";
  }
  point = !(trim == Trim::kDptZeros && frac.empty());
}

std::string formatPositional(const Real &x, const FloatStyle &st) {
  Digits d = generateDigits(x, CutoffMode::kFraction, st.precision,
                            st.minDigits);
  std::string whole, frac;
  if (d.exponent >= 0) {
    size_t n = static_cast<size_t>(d.exponent) + 1;
    if (d.digits.size() <= n) {
      whole = d.digits + std::string(n - d.digits.size(), '0');
    } else {
      whole = d.digits.substr(0, n);
      frac = d.digits.substr(n);
    }
  } else {
    whole = "0";
    frac = std::string(-(d.exponent + 1), '0') + d.digits;
  }
  bool point = true;
  trimFraction(frac, point, st.trim, std::max(st.minDigits, 0));
  std::string head = signOf(x, st.plusSign) + whole;
  if (st.padLeft > static_cast<int>(head.size()))
    head.insert(0, st.padLeft - head.size(), ' ');
  std::string tail = (point ? "." : "") + frac;
  if (st.padRight > static_cast<int>(frac.size()))
    tail.append(st.padRight - frac.size(), ' ');
  return head + tail;
}

std::string formatScientific(const Real &x, const FloatStyle &st) {
  Digits d = generateDigits(x, CutoffMode::kTotal,
                            st.precision < 0 ? -1 : st.precision + 1,
                            st.minDigits < 0 ? -1 : st.minDigits + 1);
  std::string frac = d.digits.substr(1);
  bool point = true;
  trimFraction(frac, point, st.trim, std::max(st.minDigits, 0));
  std::string head = signOf(x, st.plusSign) + d.digits.substr(0, 1);
  if (st.padLeft > static_cast<int>(head.size()))
    head.insert(0, st.padLeft - head.size(), ' ');
  std::string exp = std::to_string(std::abs(d.exponent));
  size_t expDigits = st.expDigits < 0 ? 2 : static_cast<size_t>(st.expDigits);
  if (exp.size() < expDigits)
    exp.insert(0, expDigits - exp.size(), '0');
  return head + (point ? "." : "") + frac + "e" +
         (d.exponent < 0 ? "-" : "+") + exp;
}

/// str() of a NumPy float scalar: positional from 1e-4 to 1e16, else
/// scientific; shortest digits.
std::string formatScalarFloat(const Real &x, Trim positionalTrim) {
  if (std::isnan(x.value))
    return "nan";
  if (std::isinf(x.value))
    return x.value < 0 ? "-inf" : "inf";
  double a = std::fabs(x.value);
  FloatStyle st;
  if (a == 0 || (a >= 1e-4 && a < 1e16)) {
    st.trim = positionalTrim;
    return formatPositional(x, st);
  }
  st.trim = Trim::kDptZeros;
  return formatScientific(x, st);
}

/// NumPy's FloatingFormat: one layout for all the (shown) values of an
/// array, fixed from those values.
class FloatFormat {
public:
  FloatFormat(const std::vector<Real> &values, bool plusSign) {
    style_.plusSign = plusSign;
    std::vector<Real> finite;
    bool negInf = false;
    for (const Real &x : values) {
      if (std::isfinite(x.value))
        finite.push_back(x);
      else if (std::isinf(x.value) && x.value < 0)
        negInf = true;
    }
    double maxAbs = 0, minAbs = INFINITY;
    for (const Real &x : finite)
      if (x.value != 0) {
        maxAbs = std::max(maxAbs, std::fabs(x.value));
        minAbs = std::min(minAbs, std::fabs(x.value));
      }
    if (maxAbs > 0 &&
        (maxAbs >= 1e8 || minAbs < 1e-4 || maxAbs / minAbs > 1e3))
      exponential_ = true;

    int padLeft = 0, padRight = 0;
    if (exponential_ && !finite.empty()) {
      FloatStyle first;
      first.precision = kPrecision;
      first.plusSign = plusSign;
      int precision = 0, expDigits = 0;
      for (const Real &x : finite) {
        std::string s = formatScientific(x, first);
        size_t point = s.find('.'), e = s.find('e');
        padLeft = std::max(padLeft, static_cast<int>(point));
        precision = std::max(precision, static_cast<int>(e - point - 1));
        expDigits = std::max(expDigits, static_cast<int>(s.size() - e - 2));
      }
      style_.precision = style_.minDigits = precision;
      style_.trim = Trim::kKeep;
      style_.expDigits = expDigits;
      padRight = expDigits + 2 + precision;
    } else if (!finite.empty()) {
      FloatStyle first;
      first.precision = kPrecision;
      first.plusSign = plusSign;
      for (const Real &x : finite) {
        std::string s = formatPositional(x, first);
        size_t point = s.find('.');
        padLeft = std::max(padLeft, static_cast<int>(point));
        padRight = std::max(padRight, static_cast<int>(s.size() - point - 1));
      }
      style_.precision = kPrecision;
      style_.minDigits = 0;
      style_.padRight = padRight;
    }
    if (finite.size() != values.size()) {
      int offset = padRight + 1;
      int infLen = 3 + ((plusSign || negInf) ? 1 : 0);
      padLeft = std::max({padLeft, 3 - offset, infLen - offset});
    }
    style_.padLeft = padLeft;
    width_ = static_cast<size_t>(padLeft + padRight + 1);
  }

  std::string operator()(const Real &x) const {
    if (!std::isfinite(x.value)) {
      std::string s = std::isnan(x.value) ? (style_.plusSign ? "+nan" : "nan")
                      : x.value < 0       ? "-inf"
                      : style_.plusSign   ? "+inf"
                                          : "inf";
      if (s.size() < width_)
        s.insert(0, width_ - s.size(), ' ');
      return s;
    }
    return exponential_ ? formatScientific(x, style_)
                        : formatPositional(x, style_);
  }

private:
  FloatStyle style_;
  bool exponential_ = false;
  size_t width_ = 0;
};

//===----------------------------------------------------------------------===//
// Other element types
//===----------------------------------------------------------------------===//

/// Python's repr of a bytes object.
std::string bytesRepr(const std::string &s) {
  bool single = s.find('\'') == std::string::npos ||
                s.find('"') != std::string::npos;
  char quote = single ? '\'' : '"';
  std::string out = "b";
  out += quote;
  for (unsigned char c : s) {
    if (c == quote || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c >= 0x7f) {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  out += quote;
  return out;
}

bool isFloating(DType d) {
  return d == DType::kFloat || d == DType::kDouble || d == DType::kHalf ||
         d == DType::kBFloat16;
}
bool isComplex(DType d) {
  return d == DType::kComplex64 || d == DType::kComplex128;
}

Real realAt(const Tensor &t, int64_t i) {
  switch (t.dtype()) {
  case DType::kFloat:
    return realOf(t.data<float>()[i]);
  case DType::kDouble:
    return realOf(t.data<double>()[i]);
  case DType::kHalf:
    return realOfHalf(t.data<uint16_t>()[i]);
  default:
    return realOfBFloat16(t.data<uint16_t>()[i]);
  }
}

std::pair<Real, Real> complexAt(const Tensor &t, int64_t i) {
  if (t.dtype() == DType::kComplex64) {
    std::complex<float> c = t.data<std::complex<float>>()[i];
    return {realOf(c.real()), realOf(c.imag())};
  }
  std::complex<double> c = t.data<std::complex<double>>()[i];
  return {realOf(c.real()), realOf(c.imag())};
}

/// An integer element as text; false for dtypes that are not integers.
bool integerText(const Tensor &t, int64_t i, std::string &out) {
  switch (t.dtype()) {
  case DType::kInt8:
  case DType::kQInt8:
    out = std::to_string(t.data<int8_t>()[i]);
    return true;
  case DType::kUInt8:
  case DType::kQUInt8:
    out = std::to_string(t.data<uint8_t>()[i]);
    return true;
  case DType::kInt16:
  case DType::kQInt16:
    out = std::to_string(t.data<int16_t>()[i]);
    return true;
  case DType::kUInt16:
  case DType::kQUInt16:
    out = std::to_string(t.data<uint16_t>()[i]);
    return true;
  case DType::kInt32:
  case DType::kQInt32:
    out = std::to_string(t.data<int32_t>()[i]);
    return true;
  case DType::kUInt32:
    out = std::to_string(t.data<uint32_t>()[i]);
    return true;
  case DType::kInt64:
    out = std::to_string(t.data<int64_t>()[i]);
    return true;
  case DType::kUInt64:
    out = std::to_string(t.data<uint64_t>()[i]);
    return true;
  default:
    return false;
  }
}

/// Inserts the 'j' of an imaginary part before its right padding.
std::string withJ(std::string imag) {
  size_t end = imag.find_last_not_of(' ') + 1;
  imag.insert(end, "j");
  return imag;
}

std::string scalarString(const Tensor &t) {
  DType d = t.dtype();
  if (isFloating(d))
    return formatScalarFloat(realAt(t, 0), Trim::kLeaveOneZero);
  if (isComplex(d)) {
    auto [re, im] = complexAt(t, 0);
    std::string imag = formatScalarFloat(im, Trim::kDptZeros) + "j";
    if (re.value == 0 && !std::signbit(re.value))
      return imag;
    if (imag[0] != '-')
      imag.insert(0, "+");
    return "(" + formatScalarFloat(re, Trim::kDptZeros) + imag + ")";
  }
  if (d == DType::kBool)
    return t.data<bool>()[0] ? "True" : "False";
  if (d == DType::kString)
    return bytesRepr(t.data<std::string>()[0]);
  std::string s;
  return integerText(t, 0, s) ? s : "?";
}

//===----------------------------------------------------------------------===//
// Layout: summarization and line wrapping
//===----------------------------------------------------------------------===//

/// NumPy's _formatArray (non-legacy), for separator ' ' and no prefix.
class ArrayPrinter {
public:
  ArrayPrinter(const TensorShape &shape, bool summarize,
               std::function<std::string(int64_t)> element)
      : shape_(shape), summarize_(summarize), element_(std::move(element)) {}

  std::string print() { return recurse(0, 0, " ", kLineWidth); }

private:
  bool elided(int64_t n) const { return summarize_ && 2 * kEdgeItems < n; }

  static void extendLine(std::string &s, std::string &line,
                         const std::string &word, size_t width,
                         const std::string &nextLinePrefix) {
    // Wrapping a line that holds nothing but the indent would not help.
    if (line.size() + word.size() > width &&
        line.size() > nextLinePrefix.size()) {
      size_t end = line.find_last_not_of(' ');
      s += line.substr(0, end == std::string::npos ? 0 : end + 1) + "\n";
      line = nextLinePrefix;
    }
    line += word;
  }

  std::string recurse(int axis, int64_t offset, const std::string &hanging,
                      size_t width) {
    if (axis == shape_.rank())
      return element_(offset);
    int64_t n = shape_.dim(axis);
    int64_t stride = 1;
    for (int d = axis + 1; d < shape_.rank(); ++d)
      stride *= shape_.dim(d);
    bool summary = elided(n);
    int64_t leading = summary ? kEdgeItems : 0;
    int64_t trailingStart = summary ? n - kEdgeItems : 0;
    std::string nextHanging = hanging + " ";
    size_t nextWidth = width - 1; // room for the ']'
    std::vector<int64_t> before, after;
    for (int64_t i = 0; i < leading; ++i)
      before.push_back(i);
    for (int64_t i = trailingStart; i < n; ++i)
      after.push_back(i);

    std::string s;
    if (axis + 1 == shape_.rank()) {
      size_t elemWidth = width - 1;
      std::string line = hanging;
      for (int64_t i : before) {
        extendLine(s, line, recurse(axis + 1, offset + i * stride, nextHanging,
                                    nextWidth),
                   elemWidth, hanging);
        line += " ";
      }
      if (summary) {
        extendLine(s, line, "...", elemWidth, hanging);
        line += " ";
      }
      for (size_t j = 0; j < after.size(); ++j) {
        extendLine(s, line,
                   recurse(axis + 1, offset + after[j] * stride, nextHanging,
                           nextWidth),
                   elemWidth, hanging);
        if (j + 1 < after.size())
          line += " ";
      }
      s += line;
    } else {
      std::string lineSep(shape_.rank() - axis - 1, '\n');
      for (int64_t i : before)
        s += hanging +
             recurse(axis + 1, offset + i * stride, nextHanging, nextWidth) +
             lineSep;
      if (summary)
        s += hanging + "..." + lineSep;
      for (size_t j = 0; j < after.size(); ++j) {
        s += hanging + recurse(axis + 1, offset + after[j] * stride,
                               nextHanging, nextWidth);
        if (j + 1 < after.size())
          s += lineSep;
      }
    }
    return "[" + s.substr(hanging.size()) + "]";
  }

  const TensorShape &shape_;
  bool summarize_;
  std::function<std::string(int64_t)> element_;
};

/// Flat indices of the elements a summarized print shows (all of them
/// otherwise), in row-major order: NumPy fixes widths from these alone.
std::vector<int64_t> shownIndices(const TensorShape &shape, bool summarize) {
  std::vector<int64_t> out;
  std::function<void(int, int64_t)> walk = [&](int axis, int64_t offset) {
    if (axis == shape.rank()) {
      out.push_back(offset);
      return;
    }
    int64_t n = shape.dim(axis), stride = 1;
    for (int d = axis + 1; d < shape.rank(); ++d)
      stride *= shape.dim(d);
    bool cut = summarize && 2 * kEdgeItems < n;
    for (int64_t i = 0; i < n; ++i) {
      if (cut && i == kEdgeItems)
        i = n - kEdgeItems;
      walk(axis + 1, offset + i * stride);
    }
  };
  walk(0, 0);
  return out;
}

} // namespace

std::string Tensor::debugString(int64_t threshold) const {
  if (!isValid())
    return "<invalid tensor>";
  if (shape().rank() == 0)
    return scalarString(*this);
  if (numElements() == 0)
    return "[]";
  bool summarize = numElements() > threshold;
  std::vector<int64_t> shown = shownIndices(shape(), summarize);
  std::function<std::string(int64_t)> element;
  DType d = dtype();
  std::string probe;
  if (isFloating(d)) {
    std::vector<Real> values;
    for (int64_t i : shown)
      values.push_back(realAt(*this, i));
    element = [this, format = FloatFormat(values, false)](int64_t i) {
      return format(realAt(*this, i));
    };
  } else if (isComplex(d)) {
    std::vector<Real> re, im;
    for (int64_t i : shown) {
      auto [r, m] = complexAt(*this, i);
      re.push_back(r);
      im.push_back(m);
    }
    element = [this, reFormat = FloatFormat(re, false),
               imFormat = FloatFormat(im, true)](int64_t i) {
      auto [r, m] = complexAt(*this, i);
      return reFormat(r) + withJ(imFormat(m));
    };
  } else if (d == DType::kBool) {
    element = [this](int64_t i) {
      return std::string(data<bool>()[i] ? " True" : "False");
    };
  } else if (d == DType::kString) {
    element = [this](int64_t i) {
      return bytesRepr(data<std::string>()[i]);
    };
  } else if (integerText(*this, 0, probe)) {
    size_t width = 0;
    for (int64_t i : shown) {
      integerText(*this, i, probe);
      width = std::max(width, probe.size());
    }
    element = [this, width](int64_t i) {
      std::string s;
      integerText(*this, i, s);
      return std::string(width - std::min(width, s.size()), ' ') + s;
    };
  } else {
    element = [](int64_t) { return std::string("?"); };
  }
  return ArrayPrinter(shape(), summarize, std::move(element)).print();
}

} // namespace kiln
