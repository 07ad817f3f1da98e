// Where InfluxDB clients put their token (compared with ingest.auth's tokens).
import { basicPassword, queryParam, schemeToken } from '../credentials';
import type { CredentialReader } from '../protocol';

/** v1 (/write): the `p` query parameter (`u` is ignored), else the Basic
 * password, else `Authorization: Token <t>` or `Bearer <t>`. */
export const influxV1Token: CredentialReader = (header, query) => {
  const authorization = header('authorization');
  return queryParam(query, 'p') ?? basicPassword(authorization) ?? schemeToken(authorization, 'token') ?? schemeToken(authorization, 'bearer');
};

/** v2 (/api/v2/write): `Authorization: Token <t>` (or `Bearer <t>`). */
export const influxV2Token: CredentialReader = (header) => {
  const authorization = header('authorization');
  return schemeToken(authorization, 'token') ?? schemeToken(authorization, 'bearer');
};
