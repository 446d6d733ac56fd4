//===- CheckpointState.cpp - The `checkpoint` state file ------------------===//
#include "kiln/runtime/CheckpointState.h"

#include "kiln/runtime/CheckpointFile.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace kiln {

using namespace checkpoint;

/// protobuf's CEscape, which text_format uses for string fields: C escapes
/// for quotes, backslash and whitespace, three-digit octal for other bytes
/// outside printable ASCII.
static std::string cEscape(const std::string &s) {
  std::string out;
  for (unsigned char c : s) {
    switch (c) {
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    case '"':
      out += "\\\"";
      break;
    case '\'':
      out += "\\'";
      break;
    case '\\':
      out += "\\\\";
      break;
    default:
      if (c < 0x20 || c >= 0x7f) {
        char buf[5];
        std::snprintf(buf, sizeof(buf), "\\%03o", c);
        out += buf;
      } else {
        out += static_cast<char>(c);
      }
    }
  }
  return out;
}

/// Python's repr of a float, which text_format uses for doubles: the
/// shortest decimal that round-trips.
static std::string formatDouble(double v) {
  if (std::isinf(v))
    return v > 0 ? "inf" : "-inf";
  if (std::isnan(v))
    return "nan";
  char buf[40];
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof(buf), "%.*g", prec, v);
    if (std::strtod(buf, nullptr) == v)
      break;
  }
  std::string s = buf;
  if (s.find_first_of(".en") == std::string::npos)
    s += ".0";
  return s;
}

std::string CheckpointState::toText() const {
  std::string out;
  if (!modelCheckpointPath.empty())
    out += "model_checkpoint_path: \"" + cEscape(modelCheckpointPath) + "\"\n";
  for (const auto &p : allModelCheckpointPaths)
    out += "all_model_checkpoint_paths: \"" + cEscape(p) + "\"\n";
  for (double t : allModelCheckpointTimestamps)
    out += "all_model_checkpoint_timestamps: " + formatDouble(t) + "\n";
  if (lastPreservedTimestamp != 0)
    out += "last_preserved_timestamp: " + formatDouble(lastPreservedTimestamp) +
           "\n";
  return out;
}

namespace {
/// A tokenizer for the subset of the protobuf text format a CheckpointState
/// can contain: identifiers, ':', quoted strings (adjacent ones
/// concatenate), numbers and '#' comments.
class TextParser {
public:
  explicit TextParser(const std::string &text) : s_(text) {}

  Status parse(CheckpointState *state) {
    while (true) {
      skipSpace();
      if (pos_ >= s_.size())
        return Status::OK();
      std::string name = identifier();
      if (name.empty())
        return error("Expected identifier");
      skipSpace();
      if (pos_ < s_.size() && s_[pos_] == ':')
        ++pos_;
      else
        return error("Expected \":\"");
      skipSpace();
      if (name == "model_checkpoint_path" ||
          name == "all_model_checkpoint_paths") {
        std::string value;
        KILN_RETURN_IF_ERROR(quoted(&value));
        if (name == "model_checkpoint_path")
          state->modelCheckpointPath = value;
        else
          state->allModelCheckpointPaths.push_back(value);
      } else if (name == "all_model_checkpoint_timestamps" ||
                 name == "last_preserved_timestamp") {
        double v;
        KILN_RETURN_IF_ERROR(number(&v));
        if (name == "last_preserved_timestamp")
          state->lastPreservedTimestamp = v;
        else
          state->allModelCheckpointTimestamps.push_back(v);
      } else {
        return error("Message type \"tensorflow.CheckpointState\" has no "
                     "field named \"" +
                     name + "\"");
      }
      skipSpace();
      if (pos_ < s_.size() && (s_[pos_] == ',' || s_[pos_] == ';'))
        ++pos_;
    }
  }

private:
  Status error(const std::string &what) const {
    int line = 1, col = 1;
    for (size_t i = 0; i < pos_ && i < s_.size(); ++i) {
      if (s_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    return errors::InvalidArgument(line, ":", col, " : ", what, ".");
  }

  void skipSpace() {
    while (pos_ < s_.size()) {
      if (std::isspace(static_cast<unsigned char>(s_[pos_]))) {
        ++pos_;
      } else if (s_[pos_] == '#') {
        while (pos_ < s_.size() && s_[pos_] != '\n')
          ++pos_;
      } else {
        break;
      }
    }
  }

  std::string identifier() {
    size_t start = pos_;
    while (
        pos_ < s_.size() &&
        (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_'))
      ++pos_;
    return s_.substr(start, pos_ - start);
  }

  Status quoted(std::string *out) {
    bool any = false;
    while (pos_ < s_.size() && (s_[pos_] == '"' || s_[pos_] == '\'')) {
      any = true;
      char q = s_[pos_++];
      while (true) {
        if (pos_ >= s_.size() || s_[pos_] == '\n')
          return error("String literals cannot cross line boundaries");
        char c = s_[pos_++];
        if (c == q)
          break;
        if (c != '\\') {
          *out += c;
          continue;
        }
        if (pos_ >= s_.size())
          return error("Invalid escape sequence in string literal");
        char e = s_[pos_++];
        switch (e) {
        case 'n':
          *out += '\n';
          break;
        case 'r':
          *out += '\r';
          break;
        case 't':
          *out += '\t';
          break;
        case 'a':
          *out += '\a';
          break;
        case 'b':
          *out += '\b';
          break;
        case 'f':
          *out += '\f';
          break;
        case 'v':
          *out += '\v';
          break;
        case '\\':
        case '\'':
        case '"':
        case '?':
          *out += e;
          break;
        case 'x': {
          int v = 0, n = 0;
          while (n < 2 && pos_ < s_.size() &&
                 std::isxdigit(static_cast<unsigned char>(s_[pos_]))) {
            v = v * 16 + std::stoi(std::string(1, s_[pos_++]), nullptr, 16);
            ++n;
          }
          if (n == 0)
            return error("Invalid escape sequence in string literal");
          *out += static_cast<char>(v);
          break;
        }
        default:
          if (e >= '0' && e <= '7') {
            int v = e - '0', n = 1;
            while (n < 3 && pos_ < s_.size() && s_[pos_] >= '0' &&
                   s_[pos_] <= '7') {
              v = v * 8 + (s_[pos_++] - '0');
              ++n;
            }
            *out += static_cast<char>(v);
          } else {
            return error("Invalid escape sequence in string literal");
          }
        }
      }
      skipSpace();
    }
    if (!any)
      return error("Expected string");
    return Status::OK();
  }

  Status number(double *v) {
    size_t start = pos_;
    while (pos_ < s_.size() &&
           (std::isalnum(static_cast<unsigned char>(s_[pos_])) ||
            s_[pos_] == '.' || s_[pos_] == '-' || s_[pos_] == '+'))
      ++pos_;
    std::string tok = s_.substr(start, pos_ - start);
    if (!tok.empty() && (tok.back() == 'f' || tok.back() == 'F') &&
        tok.find_first_of("iI") == std::string::npos)
      tok.pop_back();
    char *end = nullptr;
    *v = std::strtod(tok.c_str(), &end);
    if (tok.empty() || *end != '\0') {
      pos_ = start;
      return error("Expected double");
    }
    return Status::OK();
  }

  const std::string &s_;
  size_t pos_ = 0;
};
} // namespace

StatusOr<CheckpointState> CheckpointState::parseText(const std::string &text) {
  CheckpointState state;
  KILN_RETURN_IF_ERROR(TextParser(text).parse(&state));
  return state;
}

std::string checkpointStateFilename(const std::string &saveDir,
                                    const std::string &latestFilename) {
  return joinPath(saveDir, latestFilename);
}

CheckpointState
generateCheckpointState(const std::string &saveDir,
                        std::string modelCheckpointPath,
                        std::vector<std::string> allModelCheckpointPaths) {
  if (allModelCheckpointPaths.empty() ||
      allModelCheckpointPaths.back() != modelCheckpointPath)
    allModelCheckpointPaths.push_back(modelCheckpointPath);
  if (!isAbsolute(saveDir)) {
    std::string start = saveDir.empty() ? "." : saveDir;
    if (!isAbsolute(modelCheckpointPath))
      modelCheckpointPath = relativePath(modelCheckpointPath, start);
    for (std::string &p : allModelCheckpointPaths)
      if (!isAbsolute(p))
        p = relativePath(p, start);
  }
  CheckpointState state;
  state.modelCheckpointPath = std::move(modelCheckpointPath);
  state.allModelCheckpointPaths = std::move(allModelCheckpointPaths);
  return state;
}

Status updateCheckpointState(const std::string &saveDir,
                             const std::string &modelCheckpointPath,
                             const std::vector<std::string> &allPaths,
                             const std::string &latestFilename,
                             bool saveRelativePaths, FileSystem *fs) {
  std::string stateFile = checkpointStateFilename(saveDir, latestFilename);
  CheckpointState state;
  if (saveRelativePaths) {
    std::string start = saveDir.empty() ? "." : saveDir;
    auto rel = [&](const std::string &p) {
      return isAbsolute(p) ? relativePath(p, start) : p;
    };
    std::vector<std::string> relAll;
    for (const auto &p : allPaths)
      relAll.push_back(rel(p));
    state = generateCheckpointState(saveDir, rel(modelCheckpointPath), relAll);
  } else {
    state = generateCheckpointState(saveDir, modelCheckpointPath, allPaths);
  }
  if (stateFile == state.modelCheckpointPath)
    return errors::FailedPrecondition(
        "Save path '", modelCheckpointPath,
        "' conflicts with path used for checkpoint state.  Please use a "
        "different save path.");
  return writeStringToFileAtomic(stateFile, state.toText(), fs);
}

StatusOr<std::optional<CheckpointState>>
getCheckpointState(const std::string &checkpointDir,
                   const std::string &latestFilename) {
  std::string path = checkpointStateFilename(checkpointDir, latestFilename);
  std::string text;
  if (!fileExists(path) || !readFileToString(path, &text).ok())
    return std::optional<CheckpointState>();
  auto parsed = CheckpointState::parseText(text);
  if (!parsed.ok())
    return std::optional<CheckpointState>();
  CheckpointState state = std::move(*parsed);
  if (state.modelCheckpointPath.empty())
    return errors::InvalidArgument("Invalid checkpoint state loaded from ",
                                   checkpointDir);
  if (!isAbsolute(state.modelCheckpointPath))
    state.modelCheckpointPath =
        joinPath(checkpointDir, state.modelCheckpointPath);
  for (std::string &p : state.allModelCheckpointPaths)
    if (!isAbsolute(p))
      p = joinPath(checkpointDir, p);
  return std::optional<CheckpointState>(std::move(state));
}

bool checkpointExists(const std::string &prefix) {
  return fileExists(prefix + ".index") || fileExists(prefix);
}

std::optional<std::string> latestCheckpoint(const std::string &checkpointDir,
                                            const std::string &latestFilename) {
  auto state = getCheckpointState(checkpointDir, latestFilename);
  if (!state.ok() || !state->has_value())
    return std::nullopt;
  const std::string &p = (*state)->modelCheckpointPath;
  if (checkpointExists(p))
    return p;
  return std::nullopt;
}

} // namespace kiln
