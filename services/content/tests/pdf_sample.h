#pragma once

// A one-page PDF showing `text` in Helvetica, with a correct cross-reference table: what a
// document scanner or an office suite would export, small enough to build in a test.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace parta::content::testing {

inline std::string SamplePdf(const std::string& text) {
  const std::string stream = absl::StrCat("BT /F1 18 Tf 10 100 Td (", text, ") Tj ET");
  const std::vector<std::string> objects = {
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 400 144] /Contents 4 0 R "
      "/Resources << /Font << /F1 5 0 R >> >> >>",
      absl::StrCat("<< /Length ", stream.size(), " >>\nstream\n", stream, "\nendstream"),
      "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"};
  std::string pdf = "%PDF-1.4\n";
  std::vector<size_t> offsets;
  for (size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(pdf.size());
    absl::StrAppend(&pdf, i + 1, " 0 obj\n", objects[i], "\nendobj\n");
  }
  const size_t xref = pdf.size();
  absl::StrAppend(&pdf, "xref\n0 ", objects.size() + 1, "\n0000000000 65535 f \n");
  for (size_t offset : offsets) absl::StrAppend(&pdf, absl::StrFormat("%010d 00000 n \n", offset));
  absl::StrAppend(&pdf, "trailer\n<< /Size ", objects.size() + 1, " /Root 1 0 R >>\nstartxref\n",
                  xref, "\n%%EOF\n");
  return pdf;
}

}  // namespace parta::content::testing
