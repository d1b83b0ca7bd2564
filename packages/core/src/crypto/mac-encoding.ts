// Shared by both crypto modules, which the `#crypto` export condition picks between.

/** How a sender writes a MAC as text: hex (Uploadcare) or unpadded base64url (a JWT). */
export type MacEncoding = 'hex' | 'base64url'
