"""cnnlab.nets.autoencoders: shapes, decoders, dtypes and the errors of the autoencoder and the denoiser."""

import pytest
import torch

from cnnlab.nets.autoencoders import ConvAutoencoder, DenoisingNet


def rand(*shape, seed=0, dtype=torch.float32):
    return torch.rand(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


@pytest.mark.parametrize("decoder", ["transpose", "upsample"])
@pytest.mark.parametrize("size, channels, widths", [(8, 1, (16, 32)), (28, 1, (8, 16)), (32, 3, (8, 16, 32)),
                                                     ((12, 9), 2, (4,))])
def test_autoencoder_shapes(decoder, size, channels, widths, device):
    h, w = (size, size) if isinstance(size, int) else size
    model = ConvAutoencoder(channels, 7, widths=widths, image_size=size, decoder=decoder, device=device)
    x = rand(3, channels, h, w).to(device)
    z = model.encode(x)
    assert z.shape == (3, 7) and z.device == x.device
    with torch.no_grad():
        out = model.decode(z)
        assert out.shape == x.shape and torch.equal(model(x), out)
    assert float(out.min()) >= 0 and float(out.max()) <= 1


def test_modules_take_dtype_and_reject_wrong_shapes():
    model = ConvAutoencoder(image_size=8, dtype=torch.float64)
    assert all(p.dtype == torch.float64 for p in model.parameters())
    assert model(rand(2, 1, 8, 8, dtype=torch.float64)).dtype == torch.float64
    with pytest.raises(ValueError, match="`x`"):
        model.encode(rand(2, 1, 9, 9, dtype=torch.float64))
    with pytest.raises(ValueError, match="`z`"):
        model.decode(torch.zeros(2, 3, dtype=torch.float64))
    with pytest.raises(ValueError, match="`x`"):
        DenoisingNet(image_size=8)(rand(1, 1, 10, 10))
    conv_only = DenoisingNet(in_channels=3, width=4, device="cpu", dtype=torch.float64)  # any size
    assert conv_only(rand(2, 3, 32, 32, dtype=torch.float64)).shape == (2, 3, 32, 32)


@pytest.mark.parametrize("decoder", ["transpose", "upsample"])
@pytest.mark.parametrize("size, channels, widths", [(28, 1, (16, 32)), ((12, 9), 3, (4, 8))])
def test_fully_convolutional_autoencoder_keeps_the_feature_map_as_code(decoder, size, channels, widths):
    """latent_dim=None: no dense layer; the code is the last feature map, the output the input's shape."""
    h, w = (size, size) if isinstance(size, int) else size
    model = ConvAutoencoder(channels, None, widths=widths, image_size=size, decoder=decoder)
    x = rand(2, channels, h, w)
    z = model.encode(x)
    small = (h, w)
    for _ in widths:
        small = tuple((n + 1) // 2 for n in small)  # 3x3, stride 2, padding 1: ceil-halve
    assert model.code_shape == (widths[-1], *small) and z.shape == (2, *model.code_shape)
    assert not any(isinstance(m, torch.nn.Linear) for m in model.modules())
    with torch.no_grad():
        out = model.decode(z)
    assert out.shape == x.shape and float(out.min()) >= 0 and float(out.max()) <= 1
    with pytest.raises(ValueError, match="`z`"):
        model.decode(torch.zeros(2, widths[-1] + 1, *small))
    # the encoder alone matches a stack of torch convolutions with the same weights
    ref = x
    for conv in (m for m in model.encoder if isinstance(m, torch.nn.Conv2d)):
        ref = torch.relu(torch.nn.functional.conv2d(ref, conv.weight, conv.bias, stride=2, padding=1))
    torch.testing.assert_close(z, ref)


def test_bottleneck_and_convolutional_parameter_counts():
    """The dense pair holds (C h w) * k + k and k * (C h w) + C h w weights; the convolutions the rest."""
    convs = 1 * 16 * 9 + 16 + 16 * 32 * 9 + 32 + 32 * 16 * 9 + 16 + 16 * 1 * 9 + 1
    dense = 1568 * 8 + 8 + 8 * 1568 + 1568
    count = lambda m: sum(p.numel() for p in m.parameters())
    assert count(ConvAutoencoder(latent_dim=None, image_size=28)) == convs == 9_569
    assert count(ConvAutoencoder(latent_dim=8, image_size=28)) == convs + dense == 36_233


@pytest.mark.parametrize("call, error, message", [
    (lambda: ConvAutoencoder(latent_dim=0), ValueError, "`latent_dim`"),
    (lambda: ConvAutoencoder(widths=()), ValueError, "`widths`"),
    (lambda: ConvAutoencoder(decoder="deconv"), ValueError, "`decoder`"),
    (lambda: ConvAutoencoder(image_size=(8, 8, 8)), ValueError, "`image_size`"),
    (lambda: DenoisingNet(width=0), ValueError, "`width`"),
    (lambda: ConvAutoencoder(1, 16, (8, 16)), TypeError, "positional"),
])
def test_bad_arguments_raise_naming_the_argument(call, error, message):
    with pytest.raises(error, match=message):
        call()
