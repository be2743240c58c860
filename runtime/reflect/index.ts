/** Run-time type descriptions of generated code, and the JSON mapping built on them (browser-safe). */
export {
  isScalar,
  methodSchema,
  structInfo,
  typeKind,
  zeroValue,
  type EnumSchema,
  type FieldInfo,
  type FieldSchema,
  type ListSchema,
  type MapSchema,
  type MethodSchema,
  type ScalarType,
  type SetSchema,
  type StructInfo,
  type StructKind,
  type StructSchema,
  type TypeKind,
  type TypeSchema,
} from "./schema.js";
export { encodeBase64, decodeBase64 } from "./base64.js";
export {
  float32Decimal,
  fromJson,
  JsonMappingError,
  mapsAsObjects,
  scalarFromText,
  toJson,
  type JsonMappingOptions,
  type JsonValue,
} from "./json-mapping.js";
