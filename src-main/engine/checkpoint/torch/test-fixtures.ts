/**
 * Checkpoints written by real torch.save (Debian's python3-torch) for the reader's tests, and
 * the values PyTorch sees in them. Tests only. One python run writes them all: importing torch
 * costs seconds on a busy machine.
 */
import { runPython } from '../python-check';

export interface FixtureTensor {
  shape: number[];
  values: number[];
}

export interface TorchFixtures {
  dtypes: Record<string, FixtureTensor>;
  occworldStyle: { shapes: Record<string, number[]>; lr: number };
  param: FixtureTensor;
  /** torch.load of a copy of the os.system fixture did run its command: the fixture is truly hostile. */
  hostileRunsUnderTorchLoad: boolean;
}

const SCRIPT = String.raw`
import sys, os, json, collections, zipfile, struct, torch
d = sys.argv[1]
torch.manual_seed(0)
def desc(v): return {'shape': list(v.shape), 'values': v.float().flatten().tolist()}

sd = collections.OrderedDict()
sd['f32'] = torch.randn(4, 6)
sd['f16'] = torch.randn(3, 5).half()
sd['bf16'] = torch.randn(7).bfloat16()
sd['f64'] = torch.randn(2, 3, dtype=torch.float64)
sd['i64'] = torch.tensor([[-3, 0, 7], [2 ** 20, -1, 5]], dtype=torch.int64)
sd['i32'] = torch.arange(-4, 4, dtype=torch.int32)
sd['i16'] = torch.tensor([-300, 7], dtype=torch.int16)
sd['i8'] = torch.tensor([-100, 3], dtype=torch.int8)
sd['u8'] = torch.arange(0, 250, 50, dtype=torch.uint8)
sd['bool'] = torch.tensor([True, False, True])
sd['scalar'] = torch.tensor(2.5)
sd['empty'] = torch.zeros(0, 3)
big = torch.randn(5, 8)
sd['base'] = big
sd['transposed'] = big.t()
sd['sliced'] = big[1:4, 2:7:2]
sd['row'] = big[3]
sd['nchw_permuted'] = torch.randn(2, 3, 4, 5).permute(0, 2, 3, 1)
torch.save(sd, d + '/dtypes.pth')
dtypes = {k: desc(v) for k, v in sd.items()}

# The same checkpoint re-zipped with deflate, as a hand-made archive might be.
with zipfile.ZipFile(d + '/dtypes.pth') as src, zipfile.ZipFile(d + '/deflated.pth', 'w', zipfile.ZIP_DEFLATED) as dst:
    for i in src.infolist(): dst.writestr(i.filename, src.read(i.filename))

m = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3), torch.nn.GroupNorm(1, 3), torch.nn.Linear(4, 2))
opt = torch.optim.AdamW(m.parameters(), lr=1e-3)
m(torch.randn(1, 2, 6, 6)).sum().backward()
opt.step()
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10)
# As OccWorld's train.py saves an epoch (its scheduler's state is plain numbers and lists too).
torch.save({'state_dict': m.state_dict(), 'optimizer': opt.state_dict(), 'scheduler': sched.state_dict(), 'epoch': 3, 'global_iter': 1234}, d + '/occworld-style.pth')
torch.save(torch.nn.DataParallel(m).state_dict(), d + '/dataparallel.pth')
torch.save({'model': m.state_dict(), 'best_miou': 0.25}, d + '/model-key.pt')
torch.save(m.state_dict(), d + '/legacy.pth', _use_new_zipfile_serialization=False)
shapes = {k: list(v.shape) for k, v in m.state_dict().items()}

torch.jit.save(torch.jit.script(torch.nn.Linear(2, 3)), d + '/torchscript.pt')

p = torch.nn.Parameter(torch.randn(2, 3))
torch.save({'weight': p}, d + '/parameter.pth')

# Hostile: pickles that would run a command under torch.load.
marker = d + '/PWNED'
class System:
    def __reduce__(self): return (os.system, ('touch ' + marker,))
class Eval:
    def __reduce__(self): return (eval, ("__import__('os').system('touch " + marker + "')",))
torch.save({'state_dict': {'w': torch.zeros(2)}, 'payload': System()}, d + '/os-system.pth')
torch.save({'w': torch.zeros(2), 'payload': Eval()}, d + '/builtins-eval.pth')
marker = d + '/PROOF'
torch.save({'state_dict': {'w': torch.zeros(2)}, 'payload': System()}, d + '/proof.pth')
torch.load(d + '/proof.pth')
proof = os.path.exists(marker)

# A shape far beyond any budget over a one-element storage (stride 0).
torch.save({'huge': torch.zeros(1).expand(100000, 100000)}, d + '/huge-shape.pth')
torch.save({'big': torch.zeros(256, 256)}, d + '/big.pth')

def rezip(src, dst, change):
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, 'w', zipfile.ZIP_STORED) as out:
        for i in z.infolist():
            data = change(i.filename, z.read(i.filename))
            if data is not None: out.writestr(i.filename, data)
rezip(d + '/dtypes.pth', d + '/short-storage.pth', lambda n, b: b[:len(b) // 2] if n.endswith('/data/0') else b)
rezip(d + '/dtypes.pth', d + '/missing-storage.pth', lambda n, b: None if n.endswith('/data/0') else b)
rezip(d + '/dtypes.pth', d + '/garbage-pickle.pth', lambda n, b: bytes(range(7, 250)) if n.endswith('data.pkl') else b)
deep = b'\x80\x02' + b']' * 300000 + b'a' * 299999 + b'.'
rezip(d + '/dtypes.pth', d + '/deep-nesting.pth', lambda n, b: deep if n.endswith('data.pkl') else b)
# {'state_dict': {}, 'nest': [[[...]]] 5000 deep}: reads, with the nesting cut in extra.
nest = b'\x80\x02}(X\x0a\x00\x00\x00state_dict}X\x04\x00\x00\x00nest' + b']' * 5000 + b'a' * 4999 + b'u.'
rezip(d + '/dtypes.pth', d + '/deep-extra.pth', lambda n, b: nest if n.endswith('data.pkl') else b)
memo = b'\x80\x02}' + b''.join(b'r' + struct.pack('<I', 0xffffffff - i) for i in range(50000)) + b'j' + struct.pack('<I', 12345) + b'.'
rezip(d + '/dtypes.pth', d + '/memo-flood.pth', lambda n, b: memo if n.endswith('data.pkl') else b)

print(json.dumps({'dtypes': dtypes, 'occworldStyle': {'shapes': shapes, 'lr': 1e-3}, 'param': desc(p.detach()), 'hostileRunsUnderTorchLoad': proof}))
`;

export function makeTorchFixtures(dir: string): TorchFixtures {
  return JSON.parse(runPython(SCRIPT, [dir])) as TorchFixtures;
}
