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
