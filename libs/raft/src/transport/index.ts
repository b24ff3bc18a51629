export { APP_CHANNEL, CodecError, decodeMessage, encodeMessage } from './codec';
export { PeerTransport, parseAddress, type PeerAddress, type TransportOptions, type TransportStats } from './transport';
