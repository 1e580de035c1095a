#include "render/package_files.hpp"

#include "contract/encoding.hpp"
#include "render/fns_xml.hpp"
#include "render/pdf.hpp"

namespace kassa::render {

std::vector<PackageFile> render_package(const core::Package& package,
                                        const RenderOptions& options) {
  std::vector<PackageFile> files;
  const PdfOptions pdf_options{options.font_dir};
  for (const core::Document& document : package.documents) {
    const std::string type(core::document_type_name(document.type));
    PackageFile pdf{document.type, type + "_" + std::to_string(document.number) + ".pdf",
                    "application/pdf", render_pdf(package, document, pdf_options), ""};
    pdf.sha256 = contract::sha256_hex(pdf.bytes);
    files.push_back(std::move(pdf));
    if (document.type == core::DocumentType::act || document.type == core::DocumentType::torg12) {
      FnsFile xml = render_fns_xml(package, document);
      PackageFile file{document.type, std::move(xml.file_name), "application/xml",
                       std::move(xml.bytes), ""};
      file.sha256 = contract::sha256_hex(file.bytes);
      files.push_back(std::move(file));
    }
  }
  return files;
}

}  // namespace kassa::render
