export type { EntityIdOutcome, EntityIdReader, FieldPath } from './field-path';
export { entityIdReader, idText, joinIdParts, parseFieldPath } from './field-path';
