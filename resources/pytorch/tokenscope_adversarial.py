"""TokenScope's adversarial objective in PyTorch: the twin of src-main/engine/adversarial/.

VQGAN's (taming-transformers) PatchGAN discriminator, its hinge / non-saturating losses, the
adaptive weight computed on the decoder's last layer, and the feature-matching loss TokenScope
offers in place of the perceptual one. A discriminator state dict exported by TokenScope
(taming's parameter names, `main.N.*`) loads with `load_discriminator_state`.

    d = NLayerDiscriminator(in_channels, ndf=32, n_layers=2)
    loss = nll + adaptive_weight(nll, g_loss, decoder_last_weight) * weight * g_loss + codebook_loss
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

ADAPTIVE_EPS = 1e-4
ADAPTIVE_MAX = 1e4


class NLayerDiscriminator(nn.Module):
    """pix2pix's PatchGAN as taming-transformers builds it: 4x4 convs with padding 1, the first
    n_layers with stride 2, BatchNorm + LeakyReLU(0.2) after every conv but the first and the last."""

    def __init__(self, in_channels, ndf=32, n_layers=2):
        super().__init__()
        layers = [nn.Conv2d(in_channels, ndf, 4, 2, 1), nn.LeakyReLU(0.2)]
        mult = 1
        for n in range(1, n_layers):
            prev, mult = mult, min(2 ** n, 8)
            layers += [nn.Conv2d(ndf * prev, ndf * mult, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * mult), nn.LeakyReLU(0.2)]
        prev, mult = mult, min(2 ** n_layers, 8)
        layers += [nn.Conv2d(ndf * prev, ndf * mult, 4, 1, 1, bias=False), nn.BatchNorm2d(ndf * mult), nn.LeakyReLU(0.2)]
        layers.append(nn.Conv2d(ndf * mult, 1, 4, 1, 1))
        self.main = nn.Sequential(*layers)

    def forward(self, x, features=False):
        feats = []
        for m in self.main:
            x = m(x)
            if isinstance(m, nn.LeakyReLU):
                feats.append(x)
        return (x, feats) if features else x


def load_discriminator_state(d, state):
    """TokenScope keeps no BatchNorm running statistics (the discriminator only runs in training mode)."""
    missing, unexpected = d.load_state_dict(state, strict=False)
    bad = [k for k in missing if not k.endswith(('running_mean', 'running_var', 'num_batches_tracked'))]
    if bad or unexpected:
        raise ValueError(f'discriminator state: missing {bad}, unexpected {unexpected}')


def discriminator_loss(kind, logits_real, logits_fake):
    if kind == 'hinge':
        return 0.5 * (F.relu(1.0 - logits_real).mean() + F.relu(1.0 + logits_fake).mean())
    if kind == 'non-saturating':
        return 0.5 * (F.softplus(-logits_real).mean() + F.softplus(logits_fake).mean())
    raise ValueError(f'unknown GAN loss {kind!r}')


def generator_loss(kind, logits_fake):
    if kind == 'hinge':
        return -logits_fake.mean()
    if kind == 'non-saturating':
        return F.softplus(-logits_fake).mean()
    raise ValueError(f'unknown GAN loss {kind!r}')


def feature_matching_loss(fake_feats, real_feats):
    return sum((f - r.detach()).abs().mean() for f, r in zip(fake_feats, real_feats)) / len(fake_feats)


def adaptive_weight(nll_loss, g_loss, last_layer):
    """taming's calculate_adaptive_weight, before its disc_weight factor."""
    nll_grads = torch.autograd.grad(nll_loss, last_layer, retain_graph=True)[0]
    g_grads = torch.autograd.grad(g_loss, last_layer, retain_graph=True)[0]
    return torch.clamp(nll_grads.norm() / (g_grads.norm() + ADAPTIVE_EPS), 0.0, ADAPTIVE_MAX).detach()
