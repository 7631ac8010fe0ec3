/**
 * A hostile checkpoint written without Python (tests only): torch.save's zip layout whose
 * data.pkl is `{'state_dict': {}, 'payload': posix.system(command)}`, the payload torch.load
 * would run. Lets the refusal be tested on machines without torch too.
 */
import { zipSync } from 'fflate';

function unicode(s: string): number[] {
  const b = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(b.length);
  return [0x58, ...len, ...b];
}

export function hostilePickle(command: string, module = 'posix', name = 'system'): Uint8Array {
  return Uint8Array.from([
    0x80, 0x02, 0x7d, 0x28,
    ...unicode('state_dict'), 0x7d,
    ...unicode('payload'),
    0x63, ...Buffer.from(`${module}\n${name}\n`, 'latin1'),
    0x28, ...unicode(command), 0x74, 0x52,
    0x75, 0x2e,
  ]);
}

export function makeHostilePth(command: string, module?: string, name?: string): Uint8Array {
  return zipSync(
    {
      'archive/data.pkl': [hostilePickle(command, module, name), { level: 0 }],
      'archive/version': [Buffer.from('3\n'), { level: 0 }],
    },
  );
}
