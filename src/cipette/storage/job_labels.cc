#include "cipette/storage/job_labels.h"

namespace cipette::storage {

std::string encode_labels(const std::vector<std::string>& labels) {
  std::string text;
  for (const std::string& label : labels) {
    for (char c : label) {
      if (c == '\\') {
        text += "\\\\";
      } else if (c == '\n') {
        text += "\\n";
      } else {
        text += c;
      }
    }
    text += '\n';
  }
  return text;
}

void decode_labels(std::string_view text, std::vector<std::string>& labels) {
  labels.clear();
  std::string label;
  bool open = false;  // a label has begun and not ended
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    open = true;
    if (c == '\n') {
      labels.push_back(std::move(label));
      label.clear();
      open = false;
    } else if (c == '\\' && i + 1 < text.size()) {
      ++i;
      label += text[i] == 'n' ? '\n' : text[i];
    } else {
      label += c;
    }
  }
  if (open) labels.push_back(std::move(label));
}

}  // namespace cipette::storage
