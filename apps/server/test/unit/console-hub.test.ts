import { describe, expect, it } from 'vitest';
import { withoutTerminalQueries } from '../../src/console/console-hub.js';

describe('withoutTerminalQueries', () => {
  it('drops the queries a terminal would answer and keeps everything else', () => {
    const history = Buffer.from('[strata-mini ~]# \x1b[6necho hi\r\n\x1b[5n\x1b[c\x1b[>c\x1b[1;32mgreen\x1b[0m\r\n', 'latin1');
    expect(withoutTerminalQueries(history).toString('latin1')).toBe('[strata-mini ~]# echo hi\r\n\x1b[1;32mgreen\x1b[0m\r\n');
  });
});
