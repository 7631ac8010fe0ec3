/**
 * PyTorch checkpoints of TokenScope's reference tokenizer, made by its PyTorch twin
 * (resources/pytorch/tokenscope_tokenizer.py) and saved the ways training scripts save them,
 * with the token ids PyTorch computes for a few frames. Tests only.
 *   plain/model.pth + plain/config.json   torch.save(model.state_dict()), config beside it
 *   trained/epoch_3.pth                   {'state_dict' (DataParallel's module. prefix), 'optimizer', 'epoch'}
 *   configs/tokenizer.json                its config, elsewhere (--config)
 *   configs/wrong.json                    a config whose hidden width disagrees with the weights
 *   x.npy [3, 3, 16, 16] float32          frames; idx_torch.npy [3, 4, 4] int32 their ids in PyTorch
 */
import { runPython } from './python-check';
import { pythonModuleDir } from './test-fixtures';

const SCRIPT = String.raw`
import sys, os, json, copy, numpy as np, torch
sys.path.insert(0, sys.argv[1])
from tokenscope_tokenizer import TokenScopeTokenizer, make_config
torch.manual_seed(0)
torch.set_num_threads(1)
base = sys.argv[2]
for d in ('plain', 'trained', 'configs'): os.makedirs(os.path.join(base, d), exist_ok=True)
cfg = make_config(3, 8, 4, 2, dict(kind='vq', codebook_size=16, ema=True), 16, 16)
m = TokenScopeTokenizer(cfg)
opt = torch.optim.AdamW(m.parameters(), lr=1e-2)
sum((p ** 2).sum() for p in m.parameters()).backward()
opt.step()
m.eval()
with torch.no_grad():  # livelier weights than the default init, so that codes spread
    for p in m.encoder.parameters(): p.mul_(3.0)
    m.quantizer.embedding.weight.normal_()
torch.save(m.state_dict(), base + '/plain/model.pth')
json.dump(cfg, open(base + '/plain/config.json', 'w'))
torch.save({'state_dict': torch.nn.DataParallel(m).state_dict(), 'optimizer': opt.state_dict(), 'epoch': 3}, base + '/trained/epoch_3.pth')
json.dump(cfg, open(base + '/configs/tokenizer.json', 'w'))
wrong = copy.deepcopy(cfg)
wrong['model'] = make_config(3, 16, 4, 2, dict(kind='vq', codebook_size=16), 16, 16)['model']
json.dump(wrong, open(base + '/configs/wrong.json', 'w'))
x = torch.randn(3, 3, 16, 16)
np.save(base + '/x.npy', x.numpy())
with torch.no_grad():
    np.save(base + '/idx_torch.npy', m.encode(x).numpy().astype(np.int32))
`;

export function makeTwinCheckpoints(dir: string): void {
  runPython(SCRIPT, [pythonModuleDir, dir]);
}
