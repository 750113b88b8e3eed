// The lint rules that back security claims really fire: code using eval, Function(),
// dangerouslySetInnerHTML or reaching into another module's internals fails `npm test`.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint();

async function ruleIds(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

describe('security lint rules', () => {
  it.each([
    ['eval', 'export const run = (s: string): unknown => eval(s);', 'no-eval'],
    ['new Function', "export const f = new Function('return 1');", 'no-new-func'],
    ['Function()', "export const f = Function('return 1');", 'no-restricted-syntax'],
    ['string setTimeout', "setTimeout('alert(1)', 10);", 'no-implied-eval'],
    ['innerHTML', "export const put = (el: HTMLElement, s: string) => { el.innerHTML = s; };", 'no-restricted-syntax'],
  ])('rejects %s in server code', async (_name, code, rule) => {
    expect(await ruleIds(code, 'src/example.ts')).toContain(rule);
  });

  it('rejects dangerouslySetInnerHTML in the web app', async () => {
    const code = 'export function Note({ html }: { html: string }) { return <div dangerouslySetInnerHTML={{ __html: html }} />; }';
    expect(await ruleIds(code, 'web/src/Note.tsx')).toContain('react/no-danger');
  });

  it('rejects importing another module’s queries instead of its index', async () => {
    const code = "import { insertUser } from '../auth/queries.js';\nexport const x = insertUser;";
    expect(await ruleIds(code, 'src/workspaces/example.ts')).toContain('no-restricted-imports');
    const allowed = "import { insertUser } from '../auth/index.js';\nexport const x = insertUser;";
    expect(await ruleIds(allowed, 'src/workspaces/example.ts')).not.toContain('no-restricted-imports');
  });
});
