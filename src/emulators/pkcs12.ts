// A minimal PKCS#12 (RFC 7292) writer for the Nova emulator: a PFX holding one private key and one
// certificate, unencrypted and without a MAC, which is what a password-less export is in effect
// (`openssl pkcs12 -in bundle.p12 -nodes -passin pass:` reads it). Nova returns such a bundle,
// base64-encoded, as the private key of a key pair it generates with `type: "x509"`.

/** DER tag-length-value. */
function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  let length: Buffer;
  if (n < 0x80) length = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
    length = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), length, content]);
}

const sequence = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const octets = (content: Buffer) => tlv(0x04, content);
const explicit0 = (content: Buffer) => tlv(0xa0, content);
const integer = (value: number) => tlv(0x02, Buffer.from([value]));

function oid(dotted: string): Buffer {
  const parts = dotted.split(".").map(Number);
  const bytes: number[] = [40 * parts[0]! + parts[1]!];
  for (const part of parts.slice(2)) {
    const chunk: number[] = [part & 0x7f];
    for (let v = part >>> 7; v > 0; v >>>= 7) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

const DATA = "1.2.840.113549.1.7.1";
const KEY_BAG = "1.2.840.113549.1.12.10.1.1";
const CERT_BAG = "1.2.840.113549.1.12.10.1.3";
const X509_CERTIFICATE = "1.2.840.113549.1.9.22.1";

/** `ContentInfo` of type data around DER content. */
const dataContent = (der: Buffer) => sequence(oid(DATA), explicit0(octets(der)));

/** DER of a PFX with the key (PKCS#8 DER) and the certificate (DER). */
export function pkcs12(privateKeyPkcs8Der: Buffer, certificateDer: Buffer): Buffer {
  const keyBag = sequence(oid(KEY_BAG), explicit0(privateKeyPkcs8Der));
  const certBag = sequence(oid(CERT_BAG), explicit0(sequence(oid(X509_CERTIFICATE), explicit0(octets(certificateDer)))));
  const authenticatedSafe = sequence(dataContent(sequence(keyBag)), dataContent(sequence(certBag)));
  return sequence(integer(3), dataContent(authenticatedSafe));
}
