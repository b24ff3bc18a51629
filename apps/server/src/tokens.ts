/** Injection tokens (tsx emits no decorator metadata, so every injection names its token). */
export const CONFIG = Symbol('CONFIG');
/** The Minter that derives game ids and seat tokens. */
export const MINTER = Symbol('MINTER');
/** The TrustedProxies made from TRUST_PROXY: how a client's address is read. */
export const TRUSTED_PROXIES = Symbol('TRUSTED_PROXIES');
