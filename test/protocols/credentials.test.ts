// Where clients put their token (src/protocols/credentials.ts) and the
// check of the offered token (src/ingest/auth.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenAuth } from '../../src/ingest/auth';
import { basicPassword, bearerToken, queryParam, schemeToken } from '../../src/protocols/credentials';

const TOKEN = 'a-token-of-sixteen-chars';

describe('protocols: credentials', () => {
  it('reads a scheme\'s token without regard to the scheme\'s case; none when absent or empty', () => {
    assert.equal(schemeToken(`Bearer ${TOKEN}`, 'bearer'), TOKEN);
    assert.equal(schemeToken(`TOKEN  ${TOKEN} `, 'token'), TOKEN);
    assert.equal(schemeToken(`Splunk ${TOKEN}`, 'bearer'), null);
    assert.equal(schemeToken('Bearer   ', 'bearer'), null);
    assert.equal(schemeToken('', 'bearer'), null);
    assert.equal(bearerToken((name) => (name === 'authorization' ? `bearer ${TOKEN}` : '')), TOKEN);
  });

  it('Basic: the password is the token', () => {
    const basic = (text: string): string => `Basic ${Buffer.from(text).toString('base64')}`;
    assert.equal(basicPassword(basic(`telegraf:${TOKEN}`)), TOKEN);
    assert.equal(basicPassword(basic(`:${TOKEN}:with-colon`)), `${TOKEN}:with-colon`);
    assert.equal(basicPassword(basic('user-only')), null);
    assert.equal(basicPassword(basic('user:')), null);
    assert.equal(basicPassword(`Bearer ${TOKEN}`), null);
  });

  it('query parameters, decoded', () => {
    assert.equal(queryParam('db=telegraf&p=s%20cret', 'p'), 's cret');
    assert.equal(queryParam('db=telegraf', 'p'), null);
    assert.equal(queryParam('', 'p'), null);
  });

  it('the offered token must be one of the configured ones', () => {
    const auth = new TokenAuth([TOKEN, 'another-token-of-16-chars']);
    assert.equal(auth.enabled, true);
    assert.equal(auth.allows(TOKEN), true);
    assert.equal(auth.allows(`${TOKEN}x`), false);
    assert.equal(auth.allows(null), false);
    assert.equal(new TokenAuth([]).enabled, false);
  });
});
