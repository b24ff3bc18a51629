/** Injection tokens (tsx emits no decorator metadata, so every injection names its token). */
export const CONFIG = Symbol('CONFIG');
/** The Minter that derives game ids and seat tokens. */
export const MINTER = Symbol('MINTER');
