// A browser app for an S3ProxyApi stack: list a bucket, upload (multipart above 8 MiB, as the Python client
// s3proxy_client does), download (ranged reads below API Gateway's 10 MB limit), and S3's errors shown plainly.
// Every request is cross-origin and SigV4-signed here with aws4fetch for service execute-api.
import { AwsV4Signer } from './vendor/aws4fetch.js';

const MiB = 1024 * 1024;
const PART_SIZE = 8 * MiB; // S3 needs >= 5 MiB per part but the last; API Gateway carries < 10 MB a request
const THRESHOLD = 8 * MiB; // one PUT up to this size, a multipart upload above it
const CONCURRENCY = 4;
const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const FIELDS = ['url', 'region', 'apiKey', 'accessKeyId', 'secretAccessKey', 'sessionToken', 'bucket'];
const STATUS_NAMES = {
  400: 'Bad request', 403: 'Access denied', 404: 'Not found', 409: 'Conflict', 412: 'Precondition failed',
  416: 'Range not satisfiable', 429: 'Too many requests', 500: 'S3 or API Gateway failed', 503: 'Slow down',
};

const $ = (id) => document.getElementById(id);

/** An error answer: S3's (its XML <Error> body) or API Gateway's own (a JSON message). */
class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    Object.assign(this, { status, code });
  }
}

/** No answer could be read: the network failed, or the browser's CORS check refused the response. */
class RefusedError extends Error {}

function errorFrom(status, statusText, body) {
  const xml = new DOMParser().parseFromString(body || '<none/>', 'application/xml');
  const field = (name) => xml.getElementsByTagName(name)[0]?.textContent;
  if (xml.documentElement.nodeName === 'Error') {
    return new ApiError(status, field('Code') || statusText, field('Message') || '');
  }
  let message = body;
  try { message = JSON.parse(body).message ?? body; } catch { /* not JSON: keep the text */ }
  return new ApiError(status, statusText || `HTTP ${status}`, message || '(no body)');
}

function describe(error) {
  if (error instanceof ApiError) {
    const name = STATUS_NAMES[error.status] || `HTTP ${error.status}`;
    return `${name} (HTTP ${error.status}, ${error.code})${error.message ? ': ' + error.message : ''}`;
  }
  if (error instanceof RefusedError) {
    return 'The browser got no readable answer: this page\'s origin is not allowed by the API\'s CORS ' +
      `settings (s3proxy:corsAllowOrigin), or the API cannot be reached. (${error.message})`;
  }
  return error.message || String(error);
}

function show(text, state) {
  const status = $('status');
  status.textContent = text;
  status.className = state;
  status.dataset.state = state;
}

// Settings may come in the URL fragment (never sent to a server); it is cleared from the address bar at once.
function loadFragment() {
  const params = new URLSearchParams(location.hash.slice(1));
  for (const name of FIELDS) {
    if (params.has(name)) $(name).value = params.get(name);
  }
  if (location.hash) history.replaceState(null, '', location.pathname + location.search);
}

function settings() {
  const value = (id) => $(id).value.trim();
  const url = value('url').replace(/\/+$/, '');
  if (!/^https?:\/\/./.test(url)) throw new Error('Set the invoke URL (the stack\'s `url` output).');
  for (const [id, what] of [['region', 'the API\'s region'], ['accessKeyId', 'an access key id'],
    ['secretAccessKey', 'a secret access key'], ['bucket', 'a bucket']]) {
    if (!value(id)) throw new Error(`Set ${what}.`);
  }
  return {
    url, region: value('region'), apiKey: value('apiKey'), bucket: value('bucket'),
    credentials: {
      accessKeyId: value('accessKeyId'), secretAccessKey: value('secretAccessKey'),
      sessionToken: value('sessionToken') || undefined,
    },
  };
}

function objectUrl(s, key, query = {}) {
  const path = [s.bucket, ...(key ? key.split('/') : [])].map(encodeURIComponent).join('/');
  const url = new URL(`${s.url}/${path}`);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  return url.toString();
}

async function sign(s, method, url, headers = {}, body = '') {
  const all = new Headers(headers);
  if (s.apiKey) all.set('x-api-key', s.apiKey);
  const signer = new AwsV4Signer({
    ...s.credentials, service: 'execute-api', region: s.region, method, url, headers: all, body,
  });
  return signer.sign();
}

// `range` -> `Range`. A Headers object yields lower-case names, and Chrome sends them so; LocalStack's API
// Gateway maps a header such as Range or If-Match to S3 only when its name has the case the API declares
// (measured: a lower-case `range` got the whole object). Names are case-insensitive in HTTP and in SigV4.
const canonicalCase = (headers) => [...headers].map(([name, value]) =>
  [name.replace(/(^|-)([a-z])/g, (_, dash, letter) => dash + letter.toUpperCase()), value]);

async function call(s, method, url, { headers = {}, body } = {}) {
  const request = await sign(s, method, url, headers, body ?? '');
  let response;
  try {
    // no-store: signed answers are not for the HTTP cache, whose range handling would rewrite ranged reads
    response = await fetch(request.url, { method, headers: canonicalCase(request.headers), body, cache: 'no-store' });
  } catch (error) {
    throw new RefusedError(`${method} ${url.split('?')[0]}: ${error.message}`);
  }
  if (!response.ok) throw errorFrom(response.status, response.statusText, await response.text());
  return response;
}

/** A signed upload of `blob` (a File or a slice of one) by XMLHttpRequest, whose progress fetch cannot report.
 * Its bytes are read here only to be hashed for SigV4; the request sends the Blob itself, which Chrome reads from
 * the file (sending the bytes read here instead made concurrent parts wait seconds for their reads: measured). */
async function send(s, method, url, headers, blob, onProgress) {
  const request = await sign(s, method, url, headers, await blob.arrayBuffer());
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, request.url.toString());
    for (const [name, value] of canonicalCase(request.headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => onProgress(event.loaded);
    xhr.onload = () => (xhr.status < 300 ? resolve(xhr) : reject(errorFrom(xhr.status, xhr.statusText, xhr.responseText)));
    xhr.onerror = () => reject(new RefusedError(`${method} ${url.split('?')[0]}: the request failed`));
    xhr.send(blob);
  });
}

/** `attachment` under `name` (RFC 6266): an ASCII fallback, and the exact name as UTF-8 `filename*`. */
function contentDisposition(name) {
  const fallback = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const exact = encodeURIComponent(name).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${exact}`;
}

/** A GET of the object signed in its query string (SigV4, execute-api): a link that works for `seconds` without
 * credentials, and that S3 answers with `Content-Disposition: attachment` under `name`
 * (`response-content-disposition`). An API key cannot travel in a link: on stacks with API keys it is refused. */
async function presign(s, key, name, seconds) {
  const url = new URL(objectUrl(s, key, { 'response-content-disposition': contentDisposition(name) }));
  url.searchParams.set('X-Amz-Expires', String(seconds));
  const signer = new AwsV4Signer({
    ...s.credentials, service: 'execute-api', region: s.region, method: 'GET', url: url.toString(), signQuery: true,
  });
  return (await signer.sign()).url.toString();
}

function xmlText(body, name) {
  return new DOMParser().parseFromString(body, 'application/xml').getElementsByTagName(name)[0]?.textContent;
}

function plan(size) {
  const parts = [];
  for (let offset = 0, number = 1; offset < size || number === 1; offset += PART_SIZE, number += 1) {
    parts.push({ number, offset, size: Math.min(PART_SIZE, size - offset) });
  }
  return parts;
}

/** `work(item)` for every item, `CONCURRENCY` at a time; stops taking new items after the first failure. */
async function pool(items, work) {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next++];
      try { await work(item); } catch (error) { failed = true; throw error; }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
}

const escapeXml = (text) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');

async function upload(s, key, file, onProgress) {
  const type = file.type || 'application/octet-stream';
  if (file.size <= THRESHOLD) {
    const xhr = await send(s, 'PUT', objectUrl(s, key), { 'Content-Type': type }, file, onProgress);
    return { etag: xhr.getResponseHeader('ETag'), parts: 1 };
  }
  // Multipart, as s3proxy_client does: POST ?uploads=1 (LocalStack drops a valueless ?uploads), PUT each part
  // with ?partNumber&uploadId, POST ?uploadId with the CompleteMultipartUpload XML; any failure aborts.
  const created = await call(s, 'POST', objectUrl(s, key, { uploads: '1' }), { headers: { 'Content-Type': type } });
  const uploadId = xmlText(await created.text(), 'UploadId');
  if (!uploadId) throw new Error('CreateMultipartUpload answered no UploadId');
  const parts = plan(file.size);
  try {
    const sent = parts.map(() => 0);
    const etags = [];
    await pool(parts, async (part) => {
      const data = file.slice(part.offset, part.offset + part.size);
      const url = objectUrl(s, key, { partNumber: String(part.number), uploadId });
      const xhr = await send(s, 'PUT', url, { 'Content-Type': 'application/octet-stream' }, data, (loaded) => {
        sent[part.number - 1] = loaded;
        onProgress(sent.reduce((a, b) => a + b, 0));
      });
      const etag = xhr.getResponseHeader('ETag');
      if (!etag) throw new Error(`part ${part.number} came back without a readable ETag (Access-Control-Expose-Headers)`);
      etags[part.number - 1] = etag;
    });
    const body = `<CompleteMultipartUpload xmlns="${S3_NS}">` + etags.map((etag, index) =>
      `<Part><PartNumber>${index + 1}</PartNumber><ETag>${escapeXml(etag)}</ETag></Part>`).join('') +
      '</CompleteMultipartUpload>';
    const done = await call(s, 'POST', objectUrl(s, key, { uploadId }), { headers: { 'Content-Type': 'application/xml' }, body });
    const answer = await done.text();
    if (xmlText(answer, 'Code')) throw errorFrom(done.status, done.statusText, answer); // S3 may fail in a 200
    return { etag: xmlText(answer, 'ETag'), parts: parts.length };
  } catch (error) {
    await call(s, 'DELETE', objectUrl(s, key, { uploadId })).catch(() => {}); // leave no parts behind
    throw error;
  }
}

async function download(s, key, onProgress) {
  const url = objectUrl(s, key);
  let first;
  try {
    first = await call(s, 'GET', url, { headers: { Range: `bytes=0-${PART_SIZE - 1}` } });
  } catch (error) {
    if (error instanceof ApiError && error.status === 416) { // an empty object has no byte 0
      return { blob: new Blob([]), reads: 1 };
    }
    throw error;
  }
  const chunks = [await first.arrayBuffer()];
  const type = first.headers.get('Content-Type') || 'application/octet-stream';
  const range = /\/(\d+)$/.exec(first.headers.get('Content-Range') || '');
  if (first.status === 200 || !range) return { blob: new Blob(chunks, { type }), reads: 1 };
  const total = Number(range[1]);
  const etag = first.headers.get('ETag'); // every other read is of this very version
  let received = chunks[0].byteLength;
  onProgress(received, total);
  const rest = plan(total).slice(1);
  await pool(rest, async (part) => {
    const headers = { Range: `bytes=${part.offset}-${part.offset + part.size - 1}`, 'If-Match': etag };
    const response = await call(s, 'GET', url, { headers });
    const data = await response.arrayBuffer();
    if (response.status !== 206 || data.byteLength !== part.size) {
      throw new Error(`the read of bytes ${headers.Range.slice(6)} answered HTTP ${response.status} with ` +
        `${data.byteLength.toLocaleString('en')} bytes: the Range header did not reach S3`);
    }
    chunks[part.number - 1] = data;
    received += part.size;
    onProgress(received, total);
  });
  return { blob: new Blob(chunks, { type }), reads: 1 + rest.length };
}

async function list(s) {
  const rows = [];
  let token = null;
  do {
    const query = { 'list-type': '2', 'encoding-type': 'url', ...(token ? { 'continuation-token': token } : {}) };
    const body = await (await call(s, 'GET', objectUrl(s, '', query))).text();
    const xml = new DOMParser().parseFromString(body, 'application/xml');
    const field = (node, name) => node.getElementsByTagName(name)[0]?.textContent ?? '';
    for (const item of xml.getElementsByTagName('Contents')) {
      rows.push({ key: decodeURIComponent(field(item, 'Key').replace(/\+/g, ' ')), size: Number(field(item, 'Size')),
        modified: field(item, 'LastModified') });
    }
    token = field(xml, 'IsTruncated') === 'true' ? field(xml, 'NextContinuationToken') : null;
  } while (token);
  const tbody = $('listing').tBodies[0];
  tbody.replaceChildren(...rows.map((row) => {
    const tr = document.createElement('tr');
    for (const [text, className] of [[row.key, 'key'], [row.size.toLocaleString('en'), 'size'], [row.modified, '']]) {
      const td = document.createElement('td');
      td.textContent = text;
      td.className = className;
      tr.append(td);
    }
    tr.addEventListener('click', () => { $('downloadKey').value = row.key; });
    return tr;
  }));
  return rows.length;
}

function setProgress(done, total) {
  $('progress').max = Math.max(total, 1);
  $('progress').value = done;
}

/** Runs one user action: buttons off while it runs, its outcome (or its error, plainly) in the status line. */
function action(button, run) {
  $(button).addEventListener('click', async () => {
    const buttons = document.querySelectorAll('button');
    buttons.forEach((b) => { b.disabled = true; });
    show('Working…', 'busy');
    try {
      show(await run(settings()), 'ok');
    } catch (error) {
      show(describe(error), 'error');
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  });
}

action('list', async (s) => {
  const count = await list(s);
  return `${s.bucket}: ${count} ${count === 1 ? 'object' : 'objects'}.`;
});

action('upload', async (s) => {
  const file = $('file').files[0];
  if (!file) throw new Error('Choose a file to upload.');
  const key = $('uploadKey').value.trim() || file.name;
  setProgress(0, file.size);
  const started = performance.now();
  const result = await upload(s, key, file, (sent) => setProgress(sent, file.size));
  setProgress(file.size, file.size);
  const seconds = (performance.now() - started) / 1000;
  await list(s);
  return `Uploaded ${key}: ${file.size.toLocaleString('en')} bytes in ${result.parts} ` +
    `${result.parts === 1 ? 'request' : 'parts'}, ${seconds.toFixed(1)} s, ETag ${result.etag}.`;
});

action('download', async (s) => {
  const key = $('downloadKey').value.trim();
  if (!key) throw new Error('Name the key to download.');
  setProgress(0, 1);
  const started = performance.now();
  const { blob, reads } = await download(s, key, setProgress);
  const seconds = (performance.now() - started) / 1000;
  setProgress(1, 1);
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = key.split('/').pop();
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
  return `Downloaded ${key}: ${blob.size.toLocaleString('en')} bytes in ${reads} ranged ` +
    `${reads === 1 ? 'read' : 'reads'}, ${seconds.toFixed(1)} s.`;
});

action('link', async (s) => {
  const key = $('downloadKey').value.trim();
  if (!key) throw new Error('Name the key to link to.');
  const name = $('linkName').value.trim() || key.split('/').pop();
  const link = $('shareLink');
  link.href = await presign(s, key, name, 3600);
  link.textContent = `${key} as ${name}`;
  link.hidden = false;
  return `Link to ${key}, saved as ${name}, valid for an hour${s.apiKey ? ' (without the API key it needs)' : ''}.`;
});

window.addEventListener('hashchange', loadFragment);
loadFragment();
document.body.dataset.ready = 'true';
