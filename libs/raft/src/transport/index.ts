export { CodecError, decodeMessage, encodeMessage } from './codec';
export { PeerTransport, type PeerAddress, type TransportOptions, type TransportStats } from './transport';
