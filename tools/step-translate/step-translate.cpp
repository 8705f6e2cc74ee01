//===- step-translate.cpp - step dialect to simulator interchange ---------===//
//
// Reads a .mlir file of step operators and writes the simulator's SimGraph
// (binary protobuf, or text with --text).
//
//===----------------------------------------------------------------------===//

#include "dialects/Step/StepDialect.h"
#include "translate/SimGraphExport.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/ToolUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <google/protobuf/text_format.h>

using namespace mlir;
namespace cl = llvm::cl;

static cl::opt<std::string> inputFile(cl::Positional,
                                      cl::desc("<input .mlir file>"),
                                      cl::init("-"));
static cl::opt<std::string> outputFile("o", cl::desc("Output file"),
                                       cl::value_desc("filename"),
                                       cl::init("-"));
static cl::opt<bool> emitSimGraph(
    "emit-sim-graph",
    cl::desc("Write the simulator's SimGraph (the only translation so far)"));
static cl::opt<bool> textFormat(
    "text", cl::desc("Write protobuf text instead of binary"));
static cl::opt<std::string> funcName(
    "function",
    cl::desc("Function to translate (default: the only one with step ops)"));

int main(int argc, char **argv) {
  llvm::InitLLVM y(argc, argv);
  cl::ParseCommandLineOptions(
      argc, argv, "step-translate: step dialect to simulator interchange\n");
  if (!emitSimGraph) {
    llvm::errs() << "step-translate: choose a translation (--emit-sim-graph)\n";
    return 1;
  }
  if (outputFile != "-" && inputFile != "-" &&
      llvm::sys::fs::equivalent(inputFile, outputFile)) {
    llvm::errs() << "step-translate: refusing to overwrite the input file '"
                 << inputFile << "'\n";
    return 1;
  }
  MLIRContext context;
  context.loadDialect<mlir::step::StepDialect, func::FuncDialect>();
  // The diagnostics name the place; a dump of the operation (the whole
  // module for module-level errors) would bury them.
  context.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler handler(sourceMgr, &context);
  std::string error;
  auto file = openInputFile(inputFile, &error);
  if (!file) {
    llvm::errs() << "step-translate: " << error << "\n";
    return 1;
  }
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return 1;
  ::step::sim::proto::SimGraph graph;
  if (failed(mlir::step::exportSimGraph(*module, funcName, graph)))
    return 1;
  std::string bytes;
  if (textFormat)
    google::protobuf::TextFormat::PrintToString(graph, &bytes);
  else
    graph.SerializeToString(&bytes);
  // writeToOutput writes a temporary next to the output and renames it into
  // place, so a failed run never leaves a half-written output ("-": stdout).
  llvm::Error written =
      llvm::writeToOutput(outputFile, [&](llvm::raw_ostream &os) {
        os << bytes;
        return llvm::Error::success();
      });
  if (written) {
    llvm::errs() << "step-translate: cannot write '" << outputFile
                 << "': " << llvm::toString(std::move(written)) << "\n";
    return 1;
  }
  return 0;
}
