/** rpcgen's compiler API: parse and check Thrift IDL into a resolved model. */
export { parse, type ParseOutput } from "./parse.js";
export { compile, type CompileOptions, type CompileResult } from "./compile.js";
export { formatDiagnostic, hasErrors, type Diagnostic, type DiagnosticNote, type Severity } from "./diagnostics.js";
export type { FileSystem } from "./loader.js";
export { SourceFile } from "./source-file.js";
export * from "./model.js";
