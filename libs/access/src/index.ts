export { isStreamPattern, matchesAnyStreamPattern, matchesStreamPattern, MAX_STREAM_PATTERNS, STREAM_PATTERN } from './stream-pattern';
export { DEFAULT_STREAM_CLAIMS, streamPatternsFromClaims, type StreamClaimOptions, type StreamClaimResult } from './claims';
export { anonymousPrincipal, canRead, type Principal, type PrincipalKind, type StreamAccessPolicy } from './principal';
export {
  algorithmsOf,
  hmacKey,
  isJwtAlgorithm,
  JWT_ALGORITHMS,
  jwksKeys,
  KeyMaterialError,
  keyRingFromFiles,
  pemKey,
  type JwtAlgorithm,
  type JwtKeyRing,
  type KeyFile,
  type VerificationKey,
} from './jwt-keys';
export { MAX_TOKEN_CHARS, verifyJwt, type JwtPolicy, type JwtRefusal, type JwtVerification } from './jwt';
export { apiKeyRingFromFiles, generateApiKey, hashApiKey, MAX_API_KEY_CHARS, verifyApiKey, type ApiKeyEntry, type ApiKeyRing } from './api-keys';
export { originAllowed, parseOriginList, type OriginListResult, type OriginPolicy } from './origin';
export { clientIp, grpcPeerAddress, parseRate, requestScheme, UNIX_SOCKET_PEER, WindowCounter, type Rate, type Take } from './limits';
