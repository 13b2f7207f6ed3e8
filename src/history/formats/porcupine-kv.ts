import type { Op, OpType } from '../../core/op.ts';
import { HistoryFormatError, type ParsedHistory } from './types.ts';

/**
 * Porcupine's kv test logs: `{:process 3, :type :ok, :f :get, :key "4", :value "x 1 0 y"}` one per line,
 * line order is time. Values become independent-key tuples `[key, value]`. Implies `porcupine-kv`.
 */
export const KV_LINE =
  /^\{:process (\d+), :type :(\w+), :f :(\w+), :key "([^"]*)", :value (nil|"(?:[^"\\]|\\.)*")\}$/;

export function parseKvLog(text: string, file = '<kv log>'): ParsedHistory {
  const history: Op[] = [];
  const lines = text.split('\n');
  for (let ln = 0; ln < lines.length; ln++) {
    const raw = lines[ln]!.trim();
    if (raw === '') continue;
    const m = KV_LINE.exec(raw);
    if (!m) {
      throw new HistoryFormatError(
        file,
        ln + 1,
        `not a kv op line: "${raw.slice(0, 60)}"`,
        'expected {:process P, :type :T, :f :F, :key "K", :value V}',
      );
    }
    const value = m[5] === 'nil' ? null : (JSON.parse(m[5]!) as string);
    history.push({
      index: history.length,
      time: ln,
      type: m[2] as OpType,
      process: Number(m[1]),
      f: m[3]!,
      value: [m[4]!, value],
    });
  }
  return { history, model: 'porcupine-kv', format: 'porcupine-kv', warnings: [] };
}
